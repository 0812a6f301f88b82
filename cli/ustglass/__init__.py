"""ustglass: official data in, a bilingual brief on U.S. Treasury market fragility out."""

__version__ = "0.1.0"
