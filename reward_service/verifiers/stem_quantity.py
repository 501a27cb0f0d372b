"""Reading a physical quantity: a number, maybe in scientific notation, then maybe a unit.

`6.02e23`, `6.02 \\times 10^{23}`, `6.02×10²³`, `1{,}500 kJ/mol`, `9.8\\,\\mathrm{m\\,s^{-2}}`,
`\\SI{9.8}{m/s^2}`, `-3.2 × 10^{-19} C`, `25%`, `approximately 9.8 meters per second squared`.
Units are read into SI base dimensions with a scale, so prefixes (`km`, `μm`, `kilometers`),
derived units (`J` = `N m` = `kg m^2 s^-2`, `Hz` = `s^-1`, `M` = `mol/L`), `min`/`h`, `L`, `atm`,
`bar` and `eV` convert; any other unit word is compared by name. Every regex here is linear: no
ambiguous nested quantifiers over the text.
"""

import math
import re
from collections import Counter
from functools import lru_cache

__all__ = ["Quantity", "read_quantity", "read_expression"]

_LATEX_WRAP = re.compile(r"\\(?:text|mathrm|textrm|mbox|operatorname|rm|textnormal)\s*\{((?:[^{}]|\{[^{}]*\})*)\}")
_LATEX_THOUSANDS = re.compile(r"(\d)\{,\}(\d{3})(?!\d)")
_MICRO = re.compile(r"μ\s+(?=[A-Za-z])")
_CELSIUS = re.compile(r"°\s*([CF])\b")
_DEGREE_WORDS = re.compile(r"\bdeg(?:ree)?s?\s{1,3}(C|F)(?:elsius|ahrenheit)?\b", re.IGNORECASE)
_REMARK = re.compile(
    r"(?:\s{0,5}\((?:to|rounded|approx\.?|approximately|about|correct|exact|in|with|using)\b[^()]*\)"
    r"|\s{1,5}of\s{1,5}[^/\d]*)$",
    re.IGNORECASE,
)  # "(to 3 s.f.)", "of NaCl"
_SPACING = re.compile(r"\\[,;:! ]|\\q?quad|~|\$|\\left|\\right")
_NUMBER = re.compile(r"([-+]?)\s*(\d{1,3}(?:,\d{3})+(?:\.\d*)?|\d{1,3}(?: \d{3})+(?![\d.])|\d+(?:\.\d*)?|\.\d+)")
_EXPONENT = re.compile(r"\s*(?:[eE]\s*([-+]?\d{1,4})|(?:\\times|\\cdot|\*|x|X)\s*10\s*\^\s*\{?\s*([-+]?\d{1,4})\s*\}?)")
_POWER_OF_TEN = re.compile(r"10\s*\^\s*\{?\s*([-+]?\d{1,4})\s*\}?")
_UNIT_TEXT = re.compile(r"[A-Za-zµμΩÅ°%(][A-Za-z0-9µμΩÅ°%^{}()/*.\s\-]*")
_FACTOR = re.compile(r"([A-Za-zµμΩÅ°%]+)(?:\^?\{?(-?\d)\}?)?")
_UNIT_START = re.compile(r"[\s}]+")  # where a unit may begin after an expression
_SI_BASES = {"kg", "m", "s", "A", "K", "mol", "cd", "%", "°", "degC", "degF"}
_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-")
_SUPERSCRIPT = re.compile("[⁰¹²³⁴⁵⁶⁷⁸⁹⁻]+")
_ASSIGNED = re.compile(r"^.*(?:=|≈|≃|\\approx|\\simeq|\\sim)", re.DOTALL)
_RELATION = re.compile(r"=|≈|≃|\\approx|\\simeq|\\sim")
_STANDALONE_DIGIT = re.compile(r"(?<![\^_\w{])\d")
_SIUNITX = re.compile(r"\\(?:SI|qty)\s*\{([^{}]*)\}\s*\{([^{}]*)\}")
_SIUNITX_ONE = re.compile(r"\\(?:num|si|unit)\s*\{([^{}]*)\}")
_FRAC = re.compile(r"\\[dt]?frac\s*\{([^{}]*)\}\s*\{([^{}]*)\}")
_HEDGE = re.compile(r"^(?:approximately|approx\.?|about|around|roughly|nearly|~|\\sim)\s*", re.IGNORECASE)
_PER = re.compile(r"\s{1,5}per\s{1,5}", re.IGNORECASE)
_POWER_WORD = re.compile(r"\b(square|cubic)\s+([A-Za-z]+)|\b([A-Za-z]+)\s+(squared|cubed)\b", re.IGNORECASE)
_PREFIX_WORDS = {
    "kilo": "k",
    "centi": "c",
    "milli": "m",
    "micro": "μ",
    "nano": "n",
    "mega": "M",
    "giga": "G",
    "pico": "p",
}
_UNICODE = {
    "−": "-",
    "×": "\\times ",
    "·": "*",
    "\\cdot": "*",
    "⋅": "*",
    "^{\\circ}": "°",
    "{}^\\circ": "°",
    "^\\circ": "°",
    "\\circ": "°",
    "\\degree": "°",
    "\\deg": "°",
    "℃": "°C",
    "℉": "°F",
    "º": "°",
    "\\mathring{A}": "Å",
    "\\%": "%",
    "\\Omega": "Ω",
    "\\mu ": "μ",
    "\\mu": "μ",
    "\\AA": "Å",
}

# symbol -> (scale, SI base dimensions): derived units expand, so `J` is `N m` is `kg m^2/s^2`.
_MASS, _LENGTH, _TIME = {"kg": 1}, {"m": 1}, {"s": 1}
_ENERGY = {"kg": 1, "m": 2, "s": -2}
_PRESSURE = {"kg": 1, "m": -1, "s": -2}
_UNITS = {
    "m": (1.0, _LENGTH),
    "g": (1e-3, _MASS),
    "s": (1.0, _TIME),
    "A": (1.0, {"A": 1}),
    "K": (1.0, {"K": 1}),
    "mol": (1.0, {"mol": 1}),
    "cd": (1.0, {"cd": 1}),
    "N": (1.0, {"kg": 1, "m": 1, "s": -2}),
    "J": (1.0, _ENERGY),
    "W": (1.0, {"kg": 1, "m": 2, "s": -3}),
    "Pa": (1.0, _PRESSURE),
    "Hz": (1.0, {"s": -1}),
    "C": (1.0, {"A": 1, "s": 1}),
    "V": (1.0, {"kg": 1, "m": 2, "s": -3, "A": -1}),
    "Ω": (1.0, {"kg": 1, "m": 2, "s": -3, "A": -2}),
    "ohm": (1.0, {"kg": 1, "m": 2, "s": -3, "A": -2}),
    "T": (1.0, {"kg": 1, "s": -2, "A": -1}),
    "F": (1.0, {"kg": -1, "m": -2, "s": 4, "A": 2}),
    "H": (1.0, {"kg": 1, "m": 2, "s": -2, "A": -2}),
    "eV": (1.602176634e-19, _ENERGY),
    "cal": (4.184, _ENERGY),
    "L": (1e-3, {"m": 3}),
    "l": (1e-3, {"m": 3}),
    "M": (1e3, {"mol": 1, "m": -3}),
    "min": (60.0, _TIME),
    "h": (3600.0, _TIME),
    "hr": (3600.0, _TIME),
    "Å": (1e-10, _LENGTH),
    "bar": (1e5, _PRESSURE),
    "atm": (101325.0, _PRESSURE),
    "mmHg": (133.322387415, _PRESSURE),
    "Torr": (133.322368421, _PRESSURE),
    "S": (1.0, {"kg": -1, "m": -2, "s": 3, "A": 2}),
    "Wh": (3600.0, _ENERGY),
    "Nm": (1.0, _ENERGY),
    "lb": (0.45359237, _MASS),
    "ft": (0.3048, _LENGTH),
    "mi": (1609.344, _LENGTH),
    "mph": (0.44704, {"m": 1, "s": -1}),
    "u": (1.66053906660e-27, _MASS),
    "Da": (1.66053906660e-27, _MASS),
    "rad": (1.0, {}),
    "%": (1.0, {"%": 1}),
    "°": (1.0, {"°": 1}),
    "degC": (1.0, {"degC": 1}),
    "degF": (1.0, {"degF": 1}),
}
_UNPREFIXED = {
    "min",
    "h",
    "hr",
    "%",
    "°",
    "atm",
    "u",
    "Å",
    "degC",
    "degF",
    "mmHg",
    "Torr",
    "rad",
    "lb",
    "ft",
    "mi",
    "mph",
    "Nm",
}
# Words after a number that qualify it ("5 or more") rather than give its unit.
_NOT_UNITS = {
    "or",
    "and",
    "more",
    "less",
    "than",
    "at",
    "least",
    "most",
    "fewer",
    "times",
    "to",
    "per",
    "only",
    "approximately",
    "about",
    "exactly",
    "each",
    "total",
    "plus",
    "minus",
}
_PREFIXES = {
    "Y": 1e24,
    "Z": 1e21,
    "E": 1e18,
    "P": 1e15,
    "T": 1e12,
    "G": 1e9,
    "M": 1e6,
    "k": 1e3,
    "h": 1e2,
    "d": 1e-1,
    "c": 1e-2,
    "m": 1e-3,
    "μ": 1e-6,
    "µ": 1e-6,
    "u": 1e-6,
    "n": 1e-9,
    "p": 1e-12,
    "f": 1e-15,
    "a": 1e-18,
}
_WORDS = {
    "meter": "m",
    "meters": "m",
    "metre": "m",
    "metres": "m",
    "second": "s",
    "seconds": "s",
    "sec": "s",
    "gram": "g",
    "grams": "g",
    "kilogram": "kg",
    "kilograms": "kg",
    "liter": "L",
    "liters": "L",
    "litre": "L",
    "litres": "L",
    "hour": "h",
    "hours": "h",
    "minute": "min",
    "minutes": "min",
    "joule": "J",
    "joules": "J",
    "newton": "N",
    "newtons": "N",
    "volt": "V",
    "volts": "V",
    "watt": "W",
    "watts": "W",
    "kelvin": "K",
    "ohms": "ohm",
    "percent": "%",
    "degree": "°",
    "degrees": "°",
    "moles": "mol",
    "mole": "mol",
    "amp": "A",
    "amps": "A",
    "ampere": "A",
    "amperes": "A",
    "pascal": "Pa",
    "pascals": "Pa",
    "hertz": "Hz",
    "coulomb": "C",
    "coulombs": "C",
    "mph": "mph",
    "hrs": "h",
    "atmosphere": "atm",
    "atmospheres": "atm",
    "angstrom": "Å",
    "angstroms": "Å",
    "electronvolt": "eV",
    "electronvolts": "eV",
    "lbs": "lb",
    "pound": "lb",
    "pounds": "lb",
    "foot": "ft",
    "feet": "ft",
    "mile": "mi",
    "miles": "mi",
    "celsius": "degC",
    "fahrenheit": "degF",
    "radian": "rad",
    "radians": "rad",
    "ohm": "ohm",
}


class Quantity:
    """`number` as written, `value` in SI base units, `units` as {base: power}, `written` the unit text."""

    def __init__(self, number: float, value: float, units: Counter, written: str):
        self.number, self.value, self.units, self.written = number, value, units, written

    def __repr__(self) -> str:
        return f"Quantity({self.value!r}, {dict(self.units)!r})"


def _superscript(match: re.Match) -> str:
    return "^{" + match.group().translate(_SUPERSCRIPTS) + "}"


def _power_word(match: re.Match) -> str:
    if match.group(1):
        return f"{match.group(2)}^{2 if match.group(1).lower() == 'square' else 3}"
    return f"{match.group(3)}^{2 if match.group(4).lower() == 'squared' else 3}"


def _tidy(text: str) -> str:
    text = _SUPERSCRIPT.sub(_superscript, text)
    sides = _RELATION.split(text)
    if sum(bool(_STANDALONE_DIGIT.search(side)) for side in sides) > 1:
        return ""  # "x = 2 or x = 5", "5 m = 6 m": several values, not one quantity
    text = _ASSIGNED.sub("", text)  # "v = 5 m/s", "F \approx 20 N": the value after the last sign
    for old, new in _UNICODE.items():
        text = text.replace(old, new)
    text = _SIUNITX_ONE.sub(r"\1", _SIUNITX.sub(r"\1 \2", text))  # \SI{9.8}{m/s^2}, \num{6.02e23}
    for _ in range(3):
        text = _LATEX_WRAP.sub(r" \1", text)
        text = _FRAC.sub(r"(\1)/(\2)", text)  # 9.8 \frac{m}{s^2}
    text = _LATEX_THOUSANDS.sub(r"\1\2", text).replace("{,}", ".")  # 1{,}500 is 1500; 3{,}14 is 3.14
    text = _DEGREE_WORDS.sub(r"°\1", _MICRO.sub("μ", _SPACING.sub(" ", text)))  # "27 degrees Celsius"
    text = _CELSIUS.sub(r"deg\1", text).strip()
    text = _POWER_WORD.sub(_power_word, _PER.sub("/", text))  # "meters per second squared"
    return _HEDGE.sub("", text).strip()


def _factor(symbol: str) -> tuple[float, dict] | None:
    """(scale, SI dimensions) of one unit symbol or word, maybe prefixed (`km`, `kilometers`)."""
    for word, prefix in _PREFIX_WORDS.items():  # "kilometers" -> km
        if symbol.lower().startswith(word) and symbol[len(word) :].lower() in _WORDS:
            symbol = prefix + _WORDS[symbol[len(word) :].lower()]
            break
    symbol = _WORDS.get(symbol.lower(), symbol) if len(symbol) > 3 else _WORDS.get(symbol, symbol)
    if symbol in _UNITS:
        return _UNITS[symbol]
    head, rest = symbol[:1], symbol[1:]
    if head in _PREFIXES and rest in _UNITS and rest not in _UNPREFIXED:
        scale, dims = _UNITS[rest]
        return _PREFIXES[head] * scale, dims
    if len(symbol) == 1 or symbol.lower() in _NOT_UNITS:
        return None  # `2x`: a variable; "5 or more": a qualifier, not a unit
    if symbol.endswith("s") and symbol[:-1] in _UNITS:
        return _UNITS[symbol[:-1]]  # "10 hrs", "5 Js"
    return 1.0, {symbol.lower(): 1}  # a unit word we don't know: compared by name


def _units(text: str) -> tuple[float, Counter] | None:
    """(scale, {base: power}) of a unit like `kJ/(mol*K)` or `m s^-2`, or None if it is not one."""
    units, scale = Counter(), 1.0
    text = text.replace("(", " ").replace(")", " ").replace("{", "").replace("}", "")
    for part_index, part in enumerate(text.split("/")):
        sign = 1 if part_index == 0 else -1
        for piece in part.replace("*", " ").replace(".", " ").split():
            match = _FACTOR.fullmatch(piece)
            if match is None:
                return None
            factor = _factor(match.group(1))
            if factor is None:
                return None
            factor_scale, dims = factor
            power = int(match.group(2) or 1) * sign
            for base, base_power in dims.items():
                units[base] += base_power * power
            scale *= factor_scale**power
    return scale, Counter({base: power for base, power in units.items() if power})


def read_quantity(text: str) -> Quantity | None:
    """The quantity `text` states, or None when it is not a number with an optional unit."""
    return _cached_quantity(text) if len(text) <= 1000 else _read_quantity(text)


@lru_cache(maxsize=65536)  # choices and golds repeat across a batch's samples; short texts only
def _cached_quantity(text: str) -> Quantity | None:
    return _read_quantity(text)


def _read_quantity(text: str) -> Quantity | None:
    text = _tidy(text)
    power = _POWER_OF_TEN.match(text)
    number = None if power else _NUMBER.match(text)
    if number:
        written, rest = number.group(1) + number.group(2).replace(",", "").replace(" ", ""), text[number.end() :]
        exponent = _EXPONENT.match(rest)
        if exponent:
            written += "e" + (exponent.group(1) or exponent.group(2))
            rest = rest[exponent.end() :]
        mantissa = float(written)  # inf when out of range, refused below
    elif power:
        mantissa, rest = float("1e" + power.group(1)), text[power.end() :]
    else:
        return None
    rest = _REMARK.sub("", rest).strip()
    if not rest:
        return Quantity(mantissa, mantissa, Counter(), "") if math.isfinite(mantissa) else None
    if not _UNIT_TEXT.fullmatch(rest):
        return None
    read = _units(rest)
    if read is None or not math.isfinite(mantissa * read[0]):
        return None
    return Quantity(mantissa, mantissa * read[0], read[1], rest)


def read_expression(text: str, evaluate) -> Quantity | None:
    """An expression and then a unit, `\\frac{1}{2}\\text{ m/s}` or `2\\sqrt{2} m`: the value from
    `evaluate` (sympy, so call this only on text short enough to parse), the unit as above."""
    tidy = _tidy(text)
    for start in [0] + [m.end() for m in _UNIT_START.finditer(tidy)]:
        unit = tidy[start:].strip()
        read = _units(unit) if unit and _UNIT_TEXT.fullmatch(unit) else None
        if read is None or not all(base in _SI_BASES for base in read[1]):
            continue
        number = evaluate(tidy[:start]) if start else None
        if number is not None and math.isfinite(number * read[0]):
            return Quantity(number, number * read[0], read[1], unit)
    return None
