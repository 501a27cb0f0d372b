"""Table tests for the STEM verifier: multiple choice by the chosen letter, numbers with units and
scientific notation within a relative tolerance, and the fall back to the math verifier."""

import pytest
from pydantic import ValidationError

from reward_service.verifiers.stem import Reference, verify
from reward_service.verifiers.stem_quantity import read_quantity

CELL = ["Nucleus", "Mitochondria", "Ribosome", "Golgi apparatus"]
MC = {"answer": "B", "choices": CELL}


@pytest.mark.parametrize(
    "response,status",
    [
        # the common ways of stating a letter
        ("Energy is made in the mitochondria. \\boxed{B}", "correct"),
        ("\\boxed{(B)}", "correct"),
        ("\\boxed{\\text{B}}", "correct"),
        ("\\boxed{b}", "correct"),
        ("\\boxed{B) Mitochondria}", "correct"),
        ("\\boxed{\\textbf{(B)} Mitochondria}", "correct"),
        ("Answer: (B)", "correct"),
        ("Answer: B", "correct"),
        ("**Answer:** B", "correct"),
        ("**Answer: B**", "correct"),
        ("The answer is B.", "correct"),
        ("the correct answer is (B) Mitochondria, because it makes ATP.", "correct"),
        ("The answer is: **B**", "correct"),
        ("So I pick **B**.", "correct"),
        ("Option B", "correct"),
        ("Reasoning about organelles...\nB", "correct"),
        ("Reasoning...\n(B)", "correct"),
        ("<think>Maybe A? No.</think>The answer is B", "correct"),
        ("The answer is B and not C", "correct"),
        ("I choose option (B).", "correct"),
        ("After all that, the correct option is B.", "correct"),
        ("Choice B", "correct"),
        ("Therefore, (B).", "correct"),
        ("B is correct.", "correct"),
        ("A is correct.", "incorrect"),
        ("That option is a good one, I think.", "no_answer"),
        ("Therefore, C is the correct answer.", "incorrect"),
        ("So the answer should be B.", "correct"),
        # discussing, ruling out or denying a letter picks nothing
        ("(B) is incorrect, so the answer must be (C).", "incorrect"),
        ("Option B can be ruled out.", "no_answer"),
        ("B is incorrect.", "no_answer"),
        ("The answer is definitely not (B).", "no_answer"),
        ("Mitochondria make ATP.\n\nThe answer is not \\boxed{B}", "no_answer"),
        ("Option B: mitochondria make ATP. Hmm, I need to consider", "no_answer"),
        # a correction after the box wins
        ("\\boxed{A}\n\nHmm, let me double-check. Actually, the final answer is B.", "correct"),
        # the choice's text instead of its letter
        ("\\boxed{Mitochondria}", "correct"),
        ("The answer is mitochondria.", "correct"),
        ("The answer is the Mitochondria.", "correct"),
        ("The answer is mitochondrias.", "correct"),
        ("\\boxed{Ribosome}", "incorrect"),
        # wrong letters, and the last statement wins
        ("\\boxed{C}", "incorrect"),
        ("Answer: (A)", "incorrect"),
        ("First I thought \\boxed{B}, but it is \\boxed{D}", "incorrect"),
        # several letters is wrong even when the right one is among them
        ("\\boxed{A, B}", "incorrect"),
        ("\\boxed{B and C}", "incorrect"),
        ("The answer is (B) or (C).", "incorrect"),
        ("\\boxed{BD}", "incorrect"),
        ("Answer: A/B", "incorrect"),
        ("Therefore, (B) or (C).", "incorrect"),
        ("The answer is $\\boxed{A}$ and $\\boxed{B}$.", "incorrect"),
        ("\\boxed{B \\& D}", "incorrect"),
        ("Answer: B or maybe D", "no_answer"),  # doubt: no statement of a choice
        ("Answer: B (or possibly D)", "incorrect"),
        ("Answer: B (A and C are wrong)", "correct"),
        ("The answer is B.\n\nWait, actually it's C.", "incorrect"),
        ("\\boxed{B}\n\nHowever, C is also correct.", "incorrect"),
        ("The answer is B; however, C might also be right.", "incorrect"),
        ("\\boxed{B, E}", "incorrect"),  # E is not a choice: still a hedge
        ("The answer is B|C", "incorrect"),
        ("If B is correct, then the cell could not make ATP.", "no_answer"),
        ("I'm not sure B is correct.", "no_answer"),
        ("Wait, the answer is B? No, let me redo this.", "no_answer"),
        ("The answer is B only if the cell is a plant cell.", "no_answer"),
        ("A. Mitochondria make ATP, so not this.\n\nB. Mitochondria", "no_answer"),  # cut off mid-analysis
        ("A. No.\nB. Yes.\nC. No.\n\nB", "correct"),
        ("\\boxed{B}\n\nNote: a common wrong answer is C.", "correct"),
        ("Hence, the correct answer is option **(B) Mitochondria**.", "correct"),
        ("Correct option: **B**", "correct"),
        ("B is the answer.", "correct"),
        ("It's B.", "correct"),
        ("So I'd go with (B).", "correct"),
        ("The answer is (b).", "correct"),
        ("Answer: B and also D", "incorrect"),
        # no letter stated
        ("A cell is a complex thing.", "no_answer"),
        ("I am not sure which one.", "no_answer"),
        ("", "no_answer"),
        ("<think>B is right", "no_answer"),
    ],
)
def test_multiple_choice(response, status):
    from reward_service.scoring import score_item

    verdict = score_item("stem", response, MC, {})
    assert verdict.status == status, verdict
    assert verdict.reward == (1.0 if status == "correct" else 0.0)


@pytest.mark.parametrize(
    "reference,response,status",
    [
        ({"answer": "Mitochondria", "choices": CELL}, "\\boxed{B}", "correct"),  # gold given as the choice's text
        ({"answer": "(C)", "choices": CELL}, "Answer: C", "correct"),
        ({"answer": "C"}, "Answer: (C)", "correct"),  # a letter gold without choice texts (GPQA prompts)
        ({"answer": "C"}, "Answer: (D)", "incorrect"),
        ({"answer": "E", "choices": ["1", "2", "3", "4", "5"]}, "\\boxed{E}", "correct"),
        ({"answer": "A", "choices": ["2", "3"]}, "\\boxed{2}", "correct"),  # choice text that is a number
        ({"answer": "A", "choices": ["2", "3"]}, "\\boxed{C}", "no_answer"),  # no choice C
        ({"answer": "B", "choices": ["Cell", "Cells"]}, "\\boxed{Cells}", "correct"),  # exact text wins over plural
        ({"answer": "A", "choices": ["Cell", "Cells"]}, "\\boxed{Cell}", "correct"),
        ({"answer": "b", "choices": CELL}, "\\boxed{B}", "correct"),  # gold spelled b, B., B) text
        ({"answer": "B.", "choices": CELL}, "\\boxed{B}", "correct"),
        ({"answer": "B) Mitochondria", "choices": CELL}, "\\boxed{B}", "correct"),
        ({"answer": "A", "choices": ["$\\frac{1}{2}$", "$2\\sqrt{2}$"]}, "\\boxed{\\frac{1}{2}}", "correct"),
        ({"answer": "B", "choices": ["3.0 m", "3.5 m"]}, "\\boxed{3.50}", "correct"),  # numeric choices by value
        ({"answer": "B", "choices": ["3.0 m", "3.5 m"]}, "\\boxed{350 cm}", "correct"),
        (
            {"answer": "B", "choices": ["A) 3.0", "B) Nucleus"]},
            "\\boxed{Nucleus}",
            "correct",
        ),  # labels stored in the text
    ],
)
def test_multiple_choice_references(reference, response, status):
    assert verify(response, reference).status == status


@pytest.mark.parametrize(
    "text,value,units",
    [
        ("6.02e23", 6.02e23, {}),
        ("6.02E+23", 6.02e23, {}),
        ("6.02 \\times 10^{23}", 6.02e23, {}),
        ("6.02×10^23", 6.02e23, {}),
        ("6.02 x 10^23", 6.02e23, {}),
        ("10^{-3}", 1e-3, {}),
        ("1.2 × 10⁻³ m", 1.2e-3, {"m": 1}),
        ("-3.2 \\times 10^{-19}\\text{ C}", -3.2e-19, {"A": 1, "s": 1}),
        ("−4.5", -4.5, {}),
        ("1,500 kJ/mol", 1.5e6, {"kg": 1, "m": 2, "s": -2, "mol": -1}),
        ("9.8\\,\\text{m/s}^2", 9.8, {"m": 1, "s": -2}),
        ("9.8 m/s²", 9.8, {"m": 1, "s": -2}),
        ("5\\text{ m s}^{-2}", 5.0, {"m": 1, "s": -2}),
        ("8.314 J/(mol*K)", 8.314, {"kg": 1, "m": 2, "s": -2, "mol": -1, "K": -1}),
        ("3 km", 3000.0, {"m": 1}),
        ("300 cm", 3.0, {"m": 1}),
        ("250 mg", 2.5e-4, {"kg": 1}),
        ("2 kg", 2.0, {"kg": 1}),
        ("0.5 mol/L", 500.0, {"mol": 1, "m": -3}),
        ("0.5 M", 500.0, {"mol": 1, "m": -3}),
        ("60 Hz", 60.0, {"s": -1}),
        ("1{,}500", 1500.0, {}),
        ("3{,}14", 3.14, {}),
        ("37^{\\circ}\\text{C}", 37.0, {"degC": 1}),
        ("1.2\\,\\mu\\text{m}", 1.2e-6, {"m": 1}),
        ("3 \\times 10^{8} \\, \\mathrm{m \\, s^{-1}}", 3e8, {"m": 1, "s": -1}),
        ("12\\ \\text{m²}", 12.0, {"m": 2}),
        ("13.9 m/s (to three significant figures)", 13.9, {"m": 1, "s": -1}),
        ("0.250 mol of NaCl", 0.25, {"mol": 1}),
        ("2 h", 7200.0, {"s": 1}),
        ("1.5 L", 1.5e-3, {"m": 3}),
        ("12 apples", 12.0, {"apples": 1}),
        ("v = 5.0 m/s", 5.0, {"m": 1, "s": -1}),
        ("F \\approx 20 N", 20.0, {"kg": 1, "m": 1, "s": -2}),
        ("45^\\circ", 45.0, {"°": 1}),
        ("25\\%", 25.0, {"%": 1}),
    ],
)
def test_quantities(text, value, units):
    quantity = read_quantity(text)
    assert quantity is not None
    assert quantity.value == pytest.approx(value, rel=1e-12)
    assert dict(quantity.units) == units


@pytest.mark.parametrize("text", ["2x", "x^2 + 1", "\\frac{1}{2}", "apples", "3 + 4 m", "1e99999", ""])
def test_not_quantities(text):
    assert read_quantity(text) is None


@pytest.mark.parametrize(
    "gold,response,status",
    [
        # scientific notation, default 1% relative tolerance
        ("6.022e23", "\\boxed{6.02 \\times 10^{23}}", "correct"),
        ("6.022 \\times 10^{23}", "The answer is 6.022e23.", "correct"),
        ("6.022e23", "\\boxed{6.2 \\times 10^{23}}", "incorrect"),
        ("6.022e23", "\\boxed{6.022 \\times 10^{22}}", "incorrect"),
        ("1.6e-19", "\\boxed{1.602 \\times 10^{-19}}", "correct"),
        ("9.8", "\\boxed{9.81}", "correct"),
        ("9.8", "\\boxed{9.95}", "incorrect"),
        ("0", "\\boxed{0}", "correct"),
        ("0", "\\boxed{0.001}", "incorrect"),
        ("-40", "\\boxed{-40.2}", "correct"),
        ("-40", "\\boxed{40}", "incorrect"),
        # units: converted across prefixes, wrong units are wrong, a bare number is compared as is
        ("3 m", "The answer is 300 cm.", "correct"),
        ("3 m", "The answer is 300 s.", "incorrect"),
        ("9.8 m/s^2", "\\boxed{9.8 \\text{ m/s}^2}", "correct"),
        ("9.8 m/s^2", "\\boxed{9.8 \\text{ m/s}}", "incorrect"),
        ("9.8 m/s^2", "\\boxed{9.81}", "correct"),
        ("1500 J", "\\boxed{1.5 kJ}", "correct"),
        ("1500 J", "\\boxed{1.5 J}", "incorrect"),
        ("2 h", "\\boxed{120 min}", "correct"),
        ("0.25", "\\boxed{25\\%}", "correct"),
        ("25%", "\\boxed{0.25}", "correct"),
        ("25%", "\\boxed{25}", "correct"),
        ("5.0 m/s", "So the speed is $v = 5.0\\,\\mathrm{m/s}$. \\boxed{v = 5.0\\,\\mathrm{m/s}}", "correct"),
        ("9.8 m/s^2", "\\boxed{\\SI{9.8}{m/s^2}}", "correct"),
        ("9.8 m/s^2", "\\boxed{9.8 \\frac{m}{s^2}}", "correct"),
        ("9.8 m/s^2", "The answer is approximately 9.8 meters per second squared.", "correct"),
        ("4.5e-7 m", "\\boxed{450\\,\\text{nm}}", "correct"),
        ("3 km", "The answer is 3 kilometers.", "correct"),
        ("27.8 m/s", "\\boxed{100 km/h}", "correct"),
        ("6.022e23", "\\boxed{\\num{6.022e23}}", "correct"),
        # a bare gold compares with the number as written, units or not
        ("0.5", "The mass is \\boxed{0.5 \\text{ kg}}.", "correct"),
        ("5", "\\boxed{5 \\text{ cm}}", "correct"),
        ("2.5", "\\boxed{2.5 \\text{ kJ}}", "correct"),
        ("5 cm", "\\boxed{5}", "correct"),
        ("5 cm", "\\boxed{0.05}", "incorrect"),
        # LaTeX thousands separators, degrees, micro, units written out, equivalent units
        ("1.5", "\\boxed{1{,}500}", "incorrect"),
        ("1500", "\\boxed{1{,}500}", "correct"),
        ("37 °C", "\\boxed{37^{\\circ}\\text{C}}", "correct"),
        ("37 °C", "\\boxed{37 K}", "incorrect"),
        ("1.2e-6 m", "\\boxed{1.2\\,\\mu\\text{m}}", "correct"),
        ("3e8 m/s", "\\boxed{3 \\times 10^{8} \\, \\mathrm{m \\, s^{-1}}}", "correct"),
        ("12 m^2", "\\boxed{12\\ \\text{m²}}", "correct"),
        ("0.5 M", "\\boxed{0.5 \\text{ mol/L}}", "correct"),
        ("60 s^-1", "\\boxed{60 \\text{ Hz}}", "correct"),
        ("10 N m", "\\boxed{10 J}", "correct"),
        ("1 atm", "\\boxed{101.3 kPa}", "correct"),
        ("13.89 m/s", "Answer: 13.9 m/s (to three significant figures)", "correct"),
        ("0.25 mol", "The answer is 0.250 mol of NaCl.", "correct"),
        ("5", "\\boxed{(5, 3)}", "incorrect"),
        ("9.8 m/s^2", "\\boxed{\\frac{49}{5}}", "correct"),
        ("9.8 m/s^2", "\\boxed{x^2}", "incorrect"),
        # several values, qualifiers and trailing prose are not one quantity
        ("5", "\\boxed{x = 2 \\text{ or } x = 5}", "incorrect"),
        ("5 m/s", "\\boxed{v_1 = 3 \\text{ m/s}, v_2 = 5 \\text{ m/s}}", "incorrect"),
        ("6 m", "\\boxed{5 \\text{ m} = 6 \\text{ m}}", "incorrect"),
        ("20 N", "\\boxed{F = ma = 20 \\text{ N}}", "correct"),
        ("5 m", "\\boxed{5 m for the first car and 6 m for the second}", "incorrect"),
        ("5", "\\boxed{5 \\text{ or more}}", "incorrect"),
        ("5 S", "\\boxed{5 s}", "incorrect"),
        # expressions with units, on either side
        ("0.5 m/s", "\\boxed{\\frac{1}{2} \\text{ m/s}}", "correct"),
        ("2.83 m", "\\boxed{2\\sqrt{2} \\text{ m}}", "correct"),
        ("2\\sqrt{2} m", "\\boxed{2.83 m}", "correct"),
        ("6.28 rad/s", "\\boxed{2\\pi \\text{ rad/s}}", "correct"),
        ("0.5 m/s", "\\boxed{\\frac{1}{2} \\text{ s}}", "incorrect"),
        # more spellings
        ("1000", "\\boxed{\\sim 10^{3}}", "correct"),
        ("1500 J", "\\boxed{1 500 J}", "correct"),
        ("1 J", "\\boxed{1 Nm}", "correct"),
        ("7.2e6 J", "\\boxed{2 kWh}", "correct"),
        ("27 °C", "\\boxed{27 ℃}", "correct"),
        ("27 °C", "\\boxed{27 degrees Celsius}", "correct"),
        ("30°", "\\boxed{30 \\deg}", "correct"),
        ("2.5 h", "\\boxed{2.5 hrs}", "correct"),
        ("4.536 kg", "\\boxed{10 lbs}", "correct"),
        ("150 pm", "\\boxed{1.5 \\mathring{A}}", "correct"),
        ("3e8 m/s", "\\boxed{3.0 X 10^8 m/s}", "correct"),
        # not a plain number: the value within tolerance, else sympy equivalence
        ("\\frac{\\sqrt{3}}{2}", "\\boxed{0.866}", "correct"),
        ("\\frac{\\sqrt{3}}{2}", "\\boxed{\\frac{\\sqrt{3}}{2}}", "correct"),
        ("\\frac{\\sqrt{3}}{2}", "\\boxed{0.8}", "incorrect"),
        ("2\\pi", "\\boxed{6.28}", "correct"),
        ("(x-1)(x+1)", "\\boxed{x^2-1}", "correct"),
        ("(x-1)(x+1)", "\\boxed{x^2+1}", "incorrect"),
        ("2x", "\\boxed{2}", "incorrect"),
        ("2x", "\\boxed{x \\cdot 2}", "correct"),
        ("12 apples", "There are 12 apples. \\boxed{12}", "correct"),
        # no answer stated
        ("9.8", "It falls quickly.", "no_answer"),
    ],
)
def test_numeric(gold, response, status):
    verdict = verify(response, {"answer": gold})
    assert verdict.status == status, verdict


@pytest.mark.parametrize(
    "tolerance,response,status",
    [
        (0.01, "\\boxed{101}", "correct"),
        (0.005, "\\boxed{101}", "incorrect"),
        (0.05, "\\boxed{104.9}", "correct"),
        (0.0, "\\boxed{100.001}", "incorrect"),
        (0.0, "\\boxed{100}", "correct"),
    ],
)
def test_tolerance_per_item(tolerance, response, status):
    assert verify(response, {"answer": "100", "tolerance": tolerance}).status == status


def test_numeric_detail_says_why():
    verdict = verify("The answer is 300 s.", {"answer": "3 m"})
    assert "'s'" in verdict.detail and "'m'" in verdict.detail


@pytest.mark.parametrize(
    "reference,fragment",
    [
        ({"answer": "E", "choices": ["a", "b"]}, "letter A-B"),
        ({"answer": "Neither", "choices": ["a", "b"]}, "one of the choices"),
        ({"answer": "A", "choices": ["only one"]}, "at least 2"),
        ({"answer": "1", "tolerance": 2}, "less than or equal to 1"),
        ({"answer": ""}, "at least 1 character"),
        ({"answer": "1", "unit": "m"}, "Extra inputs"),
    ],
)
def test_bad_references_are_rejected(reference, fragment):
    with pytest.raises(ValidationError, match=fragment):
        Reference.model_validate(reference)


@pytest.mark.parametrize(
    "response",
    [
        "\\boxed{" + "9" * 200_000 + "}",
        "Answer: " + "(A) or " * 50_000,
        "**" * 100_000,
        "\\boxed{" * 10_000,
        "1e" + "9" * 5000 + " m",
        "The answer is " + "\\frac{1}{" * 500 + "2" + "}" * 500,
    ],
)
def test_hostile_responses_get_a_verdict(response):
    from reward_service.scoring import score_item

    for reference in ({"answer": "9.8 m/s^2"}, MC):
        verdict = score_item("stem", response, reference, {"max_answer_chars": 1000})
        assert verdict.status in ("incorrect", "no_answer", "timeout"), verdict
        assert verdict.reward == 0.0
