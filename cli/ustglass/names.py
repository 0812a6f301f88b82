"""Names of countries and TIC rows in the reader's language.

TIC writes country names in English; the Chinese brief and charts show them in Chinese.
A name missing here is shown as TIC writes it.
"""

from __future__ import annotations

COUNTRY_ZH = {
    "Japan": "日本",
    "China, Mainland": "中国内地",
    "United Kingdom": "英国",
    "Belgium": "比利时",
    "Canada": "加拿大",
    "Luxembourg": "卢森堡",
    "Cayman Islands": "开曼群岛",
    "France": "法国",
    "Ireland": "爱尔兰",
    "Taiwan": "中国台湾",
    "Switzerland": "瑞士",
    "Hong Kong": "中国香港",
    "Singapore": "新加坡",
    "India": "印度",
    "Brazil": "巴西",
    "Norway": "挪威",
    "Saudi Arabia": "沙特阿拉伯",
    "Korea, South": "韩国",
    "Germany": "德国",
    "Israel": "以色列",
    "Bermuda": "百慕大",
    "United Arab Emirates": "阿联酋",
    "Netherlands": "荷兰",
    "Australia": "澳大利亚",
    "Mexico": "墨西哥",
    "Kuwait": "科威特",
    "Thailand": "泰国",
    "Spain": "西班牙",
    "Italy": "意大利",
    "Philippines": "菲律宾",
    "Poland": "波兰",
    "Sweden": "瑞典",
    "Peru": "秘鲁",
    "Colombia": "哥伦比亚",
    "Chile": "智利",
    "El Salvador": "萨尔瓦多",
    "All Other": "其他",
    "Grand Total": "合计",
    "For. Official": "其中:外国官方",
    "Treasury Bills": "其中:国库券",
    "T-Bonds & Notes": "其中:中长期国债",
}


def country(name: str, lang: str) -> str:
    """``name`` as the reader of ``lang`` should see it."""
    return COUNTRY_ZH.get(name, name) if lang == "zh" else name
