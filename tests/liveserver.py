"""A local stand-in for the official services, with faults injected on request.

Serves a directory laid out like ``shared/raw`` (``fred/<SERIES>.csv``, ``cftc/fut_fin_txt_<YYYY>.zip``,
``tic/mfhhis01.txt`` [+ ``slt_table5.txt``], ``fiscaldata/MSPD_SumSecty_*.csv``,
``fiscaldata/DTS_OpCashBal_*.csv``, ``nyfed/rp_results_*.json``) at the official paths on 127.0.0.1:
FRED graph CSV, CFTC zips, TIC text files, the two Fiscal Data endpoints as the paged JSON API
built from the CSV downloads, and the NY Fed's repo operation search (``startDate``, ``endDate``,
``operationTypes``) over the operations of the saved answers. ``slt_table5.txt`` is made from the newest block of ``mfhhis01.txt`` when the
directory has none (no real copy exists), so its values equal the history file's.

Hostile servers too: a body or the headers dripped a byte at a time, a Fiscal Data page 1
announcing 50 million pages, redirects (loops, other hosts) and a body that is not the gzip
its Content-Encoding claims. Every loop of the server is bounded in count and time.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

FRED_PATH = "/graph/fredgraph.csv"
CFTC_DIR = "/files/dea/history/"
TIC_DIR = "/resource-center/data-chart-center/tic/Documents/"
FISCAL = "/services/api/fiscal_service"
MSPD_PATH = FISCAL + "/v1/debt/mspd/mspd_table_1"
DTS_PATH = FISCAL + "/v1/accounting/dts/operating_cash_balance"
NYFED_PATH = "/api/rp/results/search.json"
FIELDS = {  # CSV label -> API field
    "Record Date": "record_date",
    "Security Type Description": "security_type_desc",
    "Security Class Description": "security_class_desc",
    "Debt Held by the Public (in Millions)": "debt_held_public_mil_amt",
    "Intragovernmental Holdings (in Millions)": "intragov_hold_mil_amt",
    "Total Public Debt Outstanding (in Millions)": "total_mil_amt",
    "Type of Account": "account_type",
    "Opening Balance Today": "open_today_bal",
    "Opening Balance This Month": "open_month_bal",
    "Opening Balance This Fiscal Year": "open_fytd_bal",
    "Table Number": "table_nbr",
    "Table Name": "table_nm",
    "Sub Table Name": "sub_table_name",
    "Source Line Number": "src_line_nbr",
    "Fiscal Year": "record_fiscal_year",
}
HTML_PAGE = b"<!DOCTYPE html><html><head><title>Service Unavailable</title></head><body>Maintenance</body></html>"


@dataclass
class Fault:
    """One injected misbehaviour, for the next request whose path+query contains ``match``."""

    match: str
    kind: str  # 500 | 503 | 404 | 429 | stall | truncate | html | rename | empty | drip | drip-headers | pages | redirect | bad-gzip
    seconds: float = 0.0
    location: str = ""  # for redirect


DRIP_MAX = 400  # bytes a dripping server sends at most


MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def _is_month_row(cells: list[str]) -> bool:
    words = [c.strip() for c in cells[1:] if c.strip()]
    return bool(words) and all(w in MONTHS for w in words)


def slt_from_history(history: bytes) -> bytes:
    """slt_table5.txt in its documented layout, holding the newest block of mfhhis01.txt."""
    lines = [ln.split("\t") for ln in history.decode("utf-8").splitlines()]
    at = next(i for i, cells in enumerate(lines) if _is_month_row(cells))
    months, years = lines[at], lines[at + 1]
    cols = [f"{y.strip()}-{MONTHS.index(m.strip()) + 1:02d}" for m, y in zip(months[1:], years[1:]) if m.strip()]
    out = ["Table 5: Major Foreign Holders of Treasury Securities", "(in billions of dollars)", "", "\t".join(["Country", *cols])]
    for cells in lines[at + 2 :]:
        if _is_month_row(cells):
            break
        if cells[0].strip() and any(c.strip() for c in cells[1:]):
            out.append("\t".join(cells[: len(cols) + 1]))
    return ("\r\n".join(out) + "\r\n").encode("utf-8")


def csv_records(data: bytes) -> list[dict[str, str]]:
    """Rows of a Fiscal Data site CSV download as API records (every value a string)."""
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    keys = [FIELDS.get(h, re.sub(r"\W+", "_", h.lower()).strip("_")) for h in rows[0]]
    return [dict(zip(keys, row)) for row in rows[1:] if row]


@dataclass
class Catalogue:
    """What the server holds: static bodies by path(+query), and Fiscal Data records by endpoint."""

    files: dict[str, bytes] = field(default_factory=dict)
    records: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    operations: list[dict[str, object]] = field(default_factory=list)  # NY Fed repo operations, newest first

    @classmethod
    def from_dir(cls, root: Path) -> Catalogue:
        cat = cls()
        for path in sorted((root / "fred").glob("*.csv")):
            cat.files[f"{FRED_PATH}?id={path.stem}"] = path.read_bytes()
        for path in sorted((root / "cftc").glob("fut_fin_txt_*.zip")):
            cat.files[CFTC_DIR + path.name] = path.read_bytes()
        history = (root / "tic" / "mfhhis01.txt").read_bytes()
        cat.files[TIC_DIR + "mfhhis01.txt"] = history
        slt = root / "tic" / "slt_table5.txt"
        cat.files[TIC_DIR + "slt_table5.txt"] = slt.read_bytes() if slt.is_file() else slt_from_history(history)
        for pattern, endpoint in (("MSPD_SumSecty_*.csv", MSPD_PATH), ("DTS_OpCashBal_*.csv", DTS_PATH)):
            for path in sorted((root / "fiscaldata").glob(pattern)):
                cat.records.setdefault(endpoint, []).extend(csv_records(path.read_bytes()))
        for path in sorted((root / "nyfed").glob("rp_results_*.json")):
            cat.operations.extend(json.loads(path.read_bytes())["repo"]["operations"])
        cat.operations.sort(key=lambda op: str(op["operationDate"]), reverse=True)  # stable: a day's order kept
        return cat


def repo_search(operations: list[dict[str, object]], query: dict[str, list[str]]) -> bytes:
    """The NY Fed's answer to rp/results/search.json: the operations from startDate to endDate
    (both included) of the requested operationTypes, newest first, in the API's envelope."""
    start, end = query.get("startDate", [""])[0], query.get("endDate", ["9999-12-31"])[0]
    types = set(query["operationTypes"][0].split(",")) if query.get("operationTypes") else None
    chosen = [op for op in operations if start <= str(op["operationDate"]) <= end and (types is None or op["operationType"] in types)]
    return json.dumps({"repo": {"operations": chosen}}).encode("utf-8")


def _select(records: list[dict[str, str]], query: dict[str, list[str]]) -> list[dict[str, str]]:
    """Apply the API's ``filter``, ``sort`` and ``fields`` parameters."""
    out = records
    for cond in query.get("filter", [""])[0].split(",") if query.get("filter") else []:
        name, op, value = cond.split(":", 2)
        test = {"gte": str.__ge__, "lte": str.__le__, "gt": str.__gt__, "lt": str.__lt__, "eq": str.__eq__}[op]
        out = [r for r in out if test(r[name], value)]
    sort = query.get("sort", [""])[0]
    if sort:
        key = sort.lstrip("-")
        out = sorted(out, key=lambda r: r[key], reverse=sort.startswith("-"))
    fields = query.get("fields", [""])[0]
    if fields:
        names = fields.split(",")
        out = [{n: r[n] for n in names} for r in out]
    return out


def page_body(records: list[dict[str, str]], query: dict[str, list[str]], cap: int) -> bytes:
    """One page of the JSON envelope: data, meta (total-count, total-pages) and links."""
    selected = _select(records, query)
    size = min(int(query.get("page[size]", ["100"])[0]), cap)
    number = int(query.get("page[number]", ["1"])[0])
    pages = max(1, -(-len(selected) // size))
    chunk = selected[(number - 1) * size : number * size]

    def link(n: int) -> str | None:
        return "&" + urlencode({"page[number]": n, "page[size]": size}) if 1 <= n <= pages else None

    doc = {
        "data": chunk,
        "meta": {"count": len(chunk), "labels": {}, "total-count": len(selected), "total-pages": pages},
        "links": {"self": link(number), "first": link(1), "prev": link(number - 1), "next": link(number + 1), "last": link(pages)},
    }
    return json.dumps(doc).encode("utf-8")


class LiveServer:
    """The official services on 127.0.0.1 (random port), in a thread; use as a context manager."""

    def __init__(self, catalogue: Catalogue, *, page_cap: int = 1000):
        self.catalogue = catalogue
        self.page_cap = page_cap
        self.faults: list[Fault] = []
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.lock = threading.Lock()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.httpd.daemon_threads = True
        self.httpd.block_on_close = False  # type: ignore[attr-defined]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def env(self) -> dict[str, str]:
        """Every source's mirror variable pointing at this server."""
        return {f"USTGLASS_{s}_URL": self.url for s in ("FRED", "CFTC", "TIC", "FISCALDATA", "NYFED")}

    def inject(self, match: str, kind: str, seconds: float = 0.0, location: str = "") -> None:
        with self.lock:
            self.faults.append(Fault(match, kind, seconds, location))

    def take_fault(self, target: str) -> Fault | None:
        with self.lock:
            for i, fault in enumerate(self.faults):
                if fault.match in target:
                    return self.faults.pop(i)
        return None

    def hits(self, match: str) -> int:
        return sum(1 for target, _ in self.requests if match in target)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def resolve(self, target: str) -> tuple[bytes, str] | None:
        """Body and content type for a request, or None (404)."""
        parts = urlsplit(target)
        query = parse_qs(parts.query)
        if parts.path == FRED_PATH:
            body = self.catalogue.files.get(f"{FRED_PATH}?id={query.get('id', [''])[0]}")
            return (body, "text/csv; charset=utf-8") if body is not None else None
        if parts.path in self.catalogue.records:
            return page_body(self.catalogue.records[parts.path], query, self.page_cap), "application/json"
        if parts.path == NYFED_PATH and self.catalogue.operations:
            return repo_search(self.catalogue.operations, query), "application/json"
        body = self.catalogue.files.get(parts.path)
        if body is None:
            return None
        return body, "application/zip" if parts.path.endswith(".zip") else "text/plain; charset=utf-8"


def _renamed(body: bytes) -> bytes:
    """The same file with the first column of its header renamed."""
    head, _, rest = body.partition(b"\n")
    fields = head.split(b",")
    fields[0] = b"renamed_" + fields[0].lstrip(b"\xef\xbb\xbf")
    return b",".join(fields) + b"\n" + rest


def _handler(server: LiveServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:  # quiet
            return None

        def _send(self, status: int, body: bytes, ctype: str, headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            server.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
            fault = server.take_fault(self.path)
            found = server.resolve(self.path)
            if fault is not None and self._fault(fault, found):
                return
            if found is None:
                self._send(404, b"Not Found", "text/plain")
                return
            body, ctype = found
            etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self._send(200, body, ctype, {"ETag": etag})

        def _fault(self, fault: Fault, found: tuple[bytes, str] | None) -> bool:
            body, ctype = found or (b"", "text/plain")
            kind = fault.kind
            if kind in ("500", "503", "404"):
                self._send(int(kind), b"error", "text/plain")
            elif kind == "429":
                self._send(429, b"Too Many Requests", "text/plain", {"Retry-After": str(int(fault.seconds))})
            elif kind == "stall":
                self.send_response(200)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                time.sleep(fault.seconds)
                self.close_connection = True
            elif kind == "truncate":
                self._send(200, body[: len(body) // 2], ctype)
            elif kind == "html":
                self._send(200, HTML_PAGE, "text/html; charset=utf-8")
            elif kind == "rename":
                self._send(200, _renamed(body), ctype)
            elif kind == "empty":
                self._send(200, b"", ctype)
            elif kind == "drip":
                self.send_response(200)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self._drip(body, fault.seconds)
            elif kind == "drip-headers":
                self._drip(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Slow: " + b"." * DRIP_MAX, fault.seconds)
            elif kind == "pages":
                doc = json.loads(body)
                doc["meta"]["total-pages"] = 50_000_000
                doc["meta"]["total-count"] = 50_000_000 * len(doc["data"])
                self._send(200, json.dumps(doc).encode("utf-8"), ctype)
            elif kind == "redirect":
                self._send(302, b"", "text/plain", {"Location": fault.location})
            elif kind == "bad-gzip":
                self._send(200, b"\x1f\x8b\x08\x00" + b"this is not deflate data" * 8, ctype, {"Content-Encoding": "gzip"})
            else:
                return False
            return True

        def _drip(self, data: bytes, every: float) -> None:
            """Send ``data`` one byte every ``every`` seconds (at most DRIP_MAX bytes), until the client hangs up."""
            for i in range(min(len(data), DRIP_MAX)):
                try:
                    self.wfile.write(data[i : i + 1])
                    self.wfile.flush()
                except OSError:
                    break
                time.sleep(every)
            self.close_connection = True

    return Handler
