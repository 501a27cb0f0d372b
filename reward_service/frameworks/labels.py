"""Other frameworks' labels and ground truths as our items (standard library only: the light
framework modules use it as well as the service).

A label is one of:
- our item, as a dict or a JSON object string: `{"domain": "code", "reference": {...}}`, used as is;
- veRL's / PRIME's code test cases, a dict or JSON string `{"inputs": [...], "outputs": [...]}`
  (with `fn_name` for call-based tests): the code domain's stdin/stdout (or call) tests;
- any other dict: the reference of the sample's domain (from its data source, else the default);
- a plain string or number: the answer of a math (or stem) item.
The domain of a sample without one comes from its `data_source` (veRL's column; `DATA_SOURCES`
below, extended or overridden by the caller), else the default domain (math unless set).
"""

import json

__all__ = ["DATA_SOURCES", "ANSWER_DOMAINS", "LabelError", "domain_for", "parse_label", "to_item"]

# veRL's default_compute_score data sources (verl/utils/reward_score/__init__.py) and the common
# sets of the other domains. Names starting with a key that ends in "*" match as prefixes.
DATA_SOURCES = {
    "openai/gsm8k": "math",
    "lighteval/MATH": "math",
    "DigitalLearningGmbH/MATH-lighteval": "math",
    "HuggingFaceH4/MATH-500": "math",
    "math_dapo": "math",
    "math": "math",
    "math_dapo_reasoning": "math",
    "aime*": "math",
    "numina_*": "math",
    "hiyouga/geometry3k": "math",
    "AI-MO/NuminaMath-CoT": "math",
    "codecontests": "code",
    "apps": "code",
    "codeforces": "code",
    "taco": "code",
    "livecodebench": "code",
    "primeintellect": "code",
    "openai_humaneval": "code",
    "mbpp": "code",
    "google/IFEval": "instruction",
    "ifeval": "instruction",
    "Idavidrein/gpqa": "stem",
    "gpqa*": "stem",
    "mmlu*": "stem",
    "TIGER-Lab/MMLU-Pro": "stem",
    "reasoning_gym": "logic",
    "reasoning-gym": "logic",
}
ANSWER_DOMAINS = ("math", "stem")  # domains whose reference is {"answer": ...}


class LabelError(ValueError):
    """A label we cannot turn into an item; the message says which shapes are accepted."""


def domain_for(data_source: str | None, default: str = "math", sources: dict | None = None) -> str:
    """The domain of `data_source`: `sources` (the caller's table) first, then DATA_SOURCES."""
    if data_source:
        for table in (sources or {}, DATA_SOURCES):
            if data_source in table:
                return table[data_source]
            for key, domain in table.items():
                if key.endswith("*") and data_source.startswith(key[:-1]):
                    return domain
    return default


def _code_reference(cases: dict) -> dict:
    inputs, outputs = cases.get("inputs"), cases.get("outputs")
    if not isinstance(inputs, list) or not isinstance(outputs, list) or len(inputs) != len(outputs) or not inputs:
        raise LabelError("code test cases need 'inputs' and 'outputs': two lists of the same, non-zero length")
    reference = {"language": cases.get("language", "python")}
    if cases.get("fn_name"):
        reference["entry_point"] = cases["fn_name"]
        reference["tests"] = [{"args": _args(i), "expected": _value(o)} for i, o in zip(inputs, outputs)]
    else:
        reference["tests"] = [{"stdin": _text(i), "stdout": _text(o)} for i, o in zip(inputs, outputs)]
    return reference


def _text(value) -> str:
    return "\n".join(map(str, value)) + "\n" if isinstance(value, list) else str(value)


def _value(value):
    if isinstance(value, str):
        try:
            return json.loads(value)
        except (ValueError, RecursionError):
            return value
    return value


def _args(value) -> list:
    """veRL's call-based inputs: one JSON value per line (its harness reads them so), or a list."""
    if isinstance(value, list):
        return value
    return [_value(line) for line in str(value).split("\n") if line.strip()]


def parse_label(
    label, data_source: str | None = None, default_domain: str = "math", sources: dict | None = None
) -> tuple[str, dict]:
    """(domain, reference) for one sample's label; raises LabelError saying what to send."""
    if hasattr(label, "tolist"):  # numpy scalars and arrays, as veRL's non-tensor batch holds them
        label = label.tolist()
    if isinstance(label, str) and label.lstrip().startswith("{"):
        try:
            decoded = json.loads(label)
        except (ValueError, RecursionError):
            decoded = None  # "{1, 2}" is a fine math answer
        if isinstance(decoded, dict):
            label = decoded
    domain = domain_for(data_source, default_domain, sources)
    if isinstance(label, dict):
        if "domain" in label:
            if not isinstance(label["domain"], str):
                raise LabelError(f"'domain' must be a domain's name (GET /v1/domains), not {label['domain']!r}")
            if not isinstance(label.get("reference"), dict):
                raise LabelError(
                    "a label with 'domain' needs 'reference', an object: "
                    '{"domain": "math", "reference": {"answer": "42"}}'
                )
            return label["domain"], label["reference"]
        if "inputs" in label and "outputs" in label:
            return "code", _code_reference(label)
        return domain, label
    if isinstance(label, bool) or not isinstance(label, (str, int, float)):
        raise LabelError(
            f"a label must be a string, a number or an object, not {type(label).__name__}: "
            'send the answer ("42") or an item {"domain": ..., "reference": {...}}'
        )
    if domain not in ANSWER_DOMAINS:
        raise LabelError(
            f"a plain label is an answer, but this sample's domain is {domain!r}: send "
            f'{{"domain": "{domain}", "reference": {{...}}}} (GET /v1/domains lists each reference)'
        )
    return domain, {"answer": str(label)}


def to_item(
    response: str, label, data_source: str | None = None, default_domain: str = "math", sources: dict | None = None
) -> dict:
    """Our wire item for one sample."""
    domain, reference = parse_label(label, data_source, default_domain, sources)
    return {"domain": domain, "response": response, "reference": reference}
