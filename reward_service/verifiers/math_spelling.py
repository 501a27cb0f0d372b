"""Spelling fixes applied to gold and answer alike before they are compared.

We switch off math-verify's unit stripping (it removes any trailing letters on its long unit list,
so `6ab` read as `6` and `2t` as `2`) and split units off ourselves (`split_unit`), only where
they are unmistakable: `\\text{...}`/`\\mbox{...}`/`\\mathrm{...}` words after a value, plain words of
two or more letters after a number (`42 apples`), never qualifiers like `squared` or `or more`.
Degree signs are dropped; "units" and "square units" name no unit and agree with any. Also: a
sentence's period inside the box, thin-space thousands separators (`12\\,345`), spaced percent
signs (`35\\,\\%`), repeating decimals (`0.\\overline{3}`), decimals under a root or in an exponent
(`\\sqrt{10.5}` is `\\sqrt{21/2}`), `√2`, `\\log_e`, and a `\\pm` inside an expression
(`\\frac{-1 \\pm \\sqrt{5}}{2}` is two answers).
"""

import re

__all__ = [
    "strip_spacing",
    "tidy",
    "normalize",
    "split_choice",
    "approx_parts",
    "split_unit",
    "top_level_items",
    "modulus",
    "exact_radicands",
]

_REPEATING = re.compile(r"(-?)(\d*)\.(\d*)\\overline\{(\d{1,12})\}")
_DIGIT_SPACE = re.compile(r"(?<=\d)(?:\\,|\\ |\\;|\\!|~)(?=\d{3})")
_UNIT_WORDS = r"[A-Za-z\s.'/~-]*"
_TEXT_UNIT = re.compile(
    r"(?<=\S)\s*(?:\\[,;!]|\\ |~)?\s*"
    r"\\(?:text|mbox|textrm|mathrm|textnormal|operatorname|textbf|textit|mathbf|mathit|emph)"
    rf"\{{~?\s*(?![ij]\s*\}})[A-Za-z]{_UNIT_WORDS}(?:\^\{{?\d\}}?{_UNIT_WORDS})?\}}(?:\^\{{?[23]\}}?)?\s*$"
)
_WORD_UNIT = re.compile(r"(?<=[\d}])\s+[A-Za-z]{2,}(?:\s+[A-Za-z]{2,}){0,3}\s*$")
_DEGREES = re.compile(r"\s*(?:\^\{?\\circ\}?|\\circ|°|\\degree)\s*$")
_UNICODE = {
    "−": "-",
    "×": "\\times ",
    "·": "\\cdot ",
    "∞": "\\infty ",
    "π": "\\pi ",
    "\\varnothing": "\\emptyset",
    "\\text{infinity}": "\\infty",
}
_COLORED = re.compile(r"\\(?:text)?color\{[A-Za-z]+\}\s*\{([^{}]*)\}")
_DECORATION = re.compile(r"\\(?:text)?color\{[A-Za-z]+\}|\\bf\b\s*|\\(?:boldsymbol|bm)(?![A-Za-z])")
_EDGE_SPACING = re.compile(r"^(?:\s|\\[,;:! ]|\\q?quad)+|(?:\s|\\[,;:! ]|\\q?quad)+$")
_BARE_BOLD = re.compile(r"\\mathbf\s+(\w)")
_MODULUS = re.compile(
    r"\s*(?:\\pmod\s*\{?\s*\w+\s*\}?|\\bmod\s*\w+|\\?\(\s*\\?(?:text\{\s*)?mod\s*\w+\s*\}?\s*\\?\))\s*$"
    r"|\s*\\text\{\s*\(?\s*mod\s*\w+\s*\)?\s*\}\s*$"
)
_CONGRUENT = re.compile(r"^[A-Za-z]\s*\\equiv\s*")
_PM = re.compile(r"\\(pm|mp)(?![A-Za-z])")
_NESTED_APPROX = re.compile(r"\\?\(\s*\\approx[^()]*\\?\)")
_ROOT = re.compile(r"√\s*(\d+(?:\.\d+)?|[A-Za-z])")
_ASSIGNED = re.compile(r"^[A-Za-z]\s*=\s*")
# A variable's name (not e or pi, which are values).
_VARIABLE = re.compile(r"[A-DF-Za-df-z](?:_\{?\w+\}?)?|\\(?:theta|alpha|beta|gamma|varphi|phi|lambda|mu|sigma|omega)")
_ROOT_OR_POWER = re.compile(r"\\sqrt\s*(?:\[[^\]]{0,20}\])?\s*\{|\^\s*\{")
_BARE_EXPONENT = re.compile(r"\^\s*(\d+\.\d+)")
_DECIMAL_LITERAL = re.compile(r"(?<![\d.])(\d+)\.(\d+)(?![\d.])")
_SPACED_PERCENT = re.compile(r"(?:\\[,;!]|\\ |~|\s)+(?=\\%)")


_CHOICE = re.compile(
    r"^(?:\\(?:textbf|text|mathrm|mathbf|textrm)\{\s*)?\(([A-E])\)\s*\}?\s*(?:\\ |~|\\,|\\q?quad)?\s*(.*)$",
    re.DOTALL,
)


_LABEL = re.compile(r"\(([A-E])\)")
_MOD_OF = re.compile(r"mod\s*\{?\s*(\w+)")


def modulus(answer: str) -> str | None:
    """The n of a `\\pmod{n}` / `(mod n)` note, if the answer carries one."""
    match = _MOD_OF.search(answer)
    return match.group(1) if match else None


def top_level_items(answer: str, sep: str = ",") -> list[str]:
    """`1, 1, -2` -> ["1", "1", "-2"]; a `sep` inside brackets or braces does not split."""
    items, depth, start = [], 0, 0
    for i, ch in enumerate(answer):
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == sep and depth == 0 and answer[i - 1 : i] != "\\":  # `\\,` is a thin space
            items.append(answer[start:i].strip())
            start = i + 1
    items.append(answer[start:].strip())
    return items


def split_choice(answer: str) -> tuple[str | None, str]:
    """A multiple-choice label and what follows it: `\\textbf{(C)}\\ 12` -> ("C", "12")."""
    match = _CHOICE.match(answer.strip())
    if match is None:
        return None, answer
    rest = match.group(2).strip()
    if _LABEL.search(rest):
        return "several", rest  # "(A) and (C)" names more than one choice
    return match.group(1), rest


def _repeating_to_fraction(match: re.Match) -> str:
    sign, whole, fixed, repeat = match.groups()
    # whole.fixed(repeat)... = numerator / (10^len(fixed) * (10^len(repeat) - 1))
    scale = 10 ** len(fixed)
    period = 10 ** len(repeat) - 1
    numerator = (int(whole or 0) * scale + int(fixed or 0)) * period + int(repeat)
    return f"{sign}\\frac{{{numerator}}}{{{scale * period}}}"


# Words after a number that change its meaning: never stripped as if they were units.
_NOT_UNITS = {
    "squared",
    "cubed",
    "factorial",
    "or",
    "more",
    "fewer",
    "less",
    "not",
    "is",
    "possible",
    "and",
    "at",
    "least",
    "most",
    "times",
    "radian",
    "radians",
    "minus",
    "plus",
    "over",
    "only",
    "thousand",
    "thousands",
    "million",
    "millions",
    "billion",
    "billions",
    "dozen",
    "hundred",
}
_GENERIC_UNITS = {"unit", "square unit", "sq unit", "cubic unit", "unit squared", "unit cubed"}
_UNIT_TEXT = re.compile(r"\\[A-Za-z]+|[{}~^\\/\d.,;!' -]")


def _unit_name(unit: str) -> str:
    words = _UNIT_TEXT.sub(" ", unit).lower().split()
    return " ".join(w[:-1] if w.endswith("s") and len(w) > 3 else w for w in words)


def split_unit(answer: str) -> tuple[str, str | None]:
    """(value, unit name or None): `5\\text{ cm}` -> ("5", "cm"), `42 apples` -> ("42", "apple"),
    `5 \\text{ square units}` -> ("5", None). Qualifiers (`4 squared`, `5 or more`) are not units
    and stay part of the value."""
    for pattern in (_TEXT_UNIT, _WORD_UNIT):
        match = pattern.search(answer)
        if match and answer[: match.start()].strip():
            name = _unit_name(match.group())
            if name and not set(name.split()) & _NOT_UNITS:
                # "square units" names no unit in particular: it agrees with any.
                return answer[: match.start()].strip(), None if name in _GENERIC_UNITS else name
    return answer, None


def _expand_pm(answer: str) -> str:
    if len(_PM.findall(answer)) != 1 or "," in answer:
        return answer
    body = _ASSIGNED.sub("", answer)
    plus = _PM.sub(lambda m: "+" if m.group(1) == "pm" else "-", body)
    minus = _PM.sub(lambda m: "-" if m.group(1) == "pm" else "+", body)
    return f"{plus}, {minus}"


def strip_spacing(answer: str) -> str:
    """Whitespace and LaTeX spacing (`\\;`, `\\,`, `\\ `, `\\quad`) off both ends."""
    return _EDGE_SPACING.sub("", answer)


def approx_parts(answer: str) -> list[str]:
    """`4\\pi \\approx 12.57` states two values; either may be what the gold holds. A bare
    variable in front names the value and is dropped: `x \\approx 11` states only 11."""
    answer = strip_spacing(_NESTED_APPROX.sub("", answer))
    parts = [part.strip() for part in answer.split("\\approx") if part.strip()] or [answer]
    return parts[1:] if len(parts) > 1 and _VARIABLE.fullmatch(parts[0]) else parts


def _fraction(match: re.Match) -> str:
    whole, digits = match.groups()
    return f"\\frac{{{int(whole + digits)}}}{{{10 ** len(digits)}}}"


def exact_radicands(answer: str) -> str:
    """Decimals under a root or in an exponent as the fractions they are: `\\sqrt{10.5}` ->
    `\\sqrt{\\frac{105}{10}}`, so `\\frac{10\\sqrt{10.5}}{27}` can equal `\\frac{5\\sqrt{42}}{27}` exactly
    (sympy would evaluate the root of a float to a float at once)."""
    if "." not in answer:
        return answer
    answer = _BARE_EXPONENT.sub(lambda m: "^{" + _DECIMAL_LITERAL.sub(_fraction, m.group(1)) + "}", answer)
    out, i = [], 0
    for match in _ROOT_OR_POWER.finditer(answer):
        if match.start() < i:
            continue
        start = match.end() - 1  # the opening brace
        depth, end = 0, None
        for j in range(start, len(answer)):
            depth += {"{": 1, "}": -1}.get(answer[j], 0)
            if depth == 0:
                end = j + 1
                break
        if end is None:
            break
        out.append(answer[i:start] + _DECIMAL_LITERAL.sub(_fraction, answer[start:end]))
        i = end
    return "".join(out) + answer[i:]


def tidy(answer: str) -> str:
    """The spelling fixes of this module's docstring, applied before parsing."""
    answer = answer.strip().rstrip(".").strip()
    for char, latex in _UNICODE.items():
        answer = answer.replace(char, latex)
    answer = _ROOT.sub(r"\\sqrt{\1}", answer).replace("√", "\\sqrt")
    answer = _BARE_BOLD.sub(r"\\mathbf{\1}", _DECORATION.sub("", _COLORED.sub(r"\1", answer)))
    answer = _CONGRUENT.sub("", _MODULUS.sub("", answer))
    answer = answer.replace("\\log_e", "\\ln").replace("\\log_{e}", "\\ln")
    answer = _DIGIT_SPACE.sub("", answer)
    answer = _SPACED_PERCENT.sub("", answer)
    answer = _REPEATING.sub(_repeating_to_fraction, answer)
    answer = exact_radicands(answer)
    stripped = _DEGREES.sub("", answer).strip()
    return _expand_pm(stripped or answer)


_SPACING = re.compile(r"\s+|\\[,;:!]|\\left|\\right|\\displaystyle|\$")


def normalize(answer: str) -> str:
    """A canonical spelling for the cheap exact-match check that runs before sympy."""
    text = _SPACING.sub("", answer).replace("\\dfrac", "\\frac").replace("\\tfrac", "\\frac")
    return text.rstrip(".")
