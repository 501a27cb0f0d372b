"""Table tests for the instruction-following verifier (``reward_service.verifiers.instruction``).

``verify(response, {"instruction_id_list": [...], "kwargs": [...]}, options)`` checks a response
against IFEval instructions; the reward is the fraction followed. The tables are:

* every one of the 25 ids with a following and a violating response, and the boundaries of the
  "less than" / "at least" relations;
* the cases of Google's own ``instruction_following_eval/instructions_test.py``;
* strict vs loose mode, partial rewards and the per-instruction detail;
* the reference contract: HuggingFace rows' None kwargs, unknown ids and bad kwargs as errors;
* language detection (deterministic, undetectable text fails, non-English targets);
* hostile megabyte responses, checked for correct verdicts (speed is a benchmark's job).
"""

import random
import re

import pytest
from pydantic import ValidationError

from reward_service.verifiers import instruction
from reward_service.verifiers import instruction_rules as rules
from reward_service.verifiers.instruction import INSTRUCTION_IDS, Reference, verify


def grade(iid, kwargs, response, mode="strict"):
    return verify(response, {"instruction_id_list": [iid], "kwargs": [kwargs]}, {"mode": mode})


def followed(iid, kwargs, response, mode="strict"):
    v = grade(iid, kwargs, response, mode)
    assert v.status in ("correct", "incorrect"), v.detail
    assert v.reward == (1.0 if v.status == "correct" else 0.0)
    return v.status == "correct"


TEN_WORDS = "one two three four five six seven eight nine ten"
NINE_WORDS = "one two three four five six seven eight nine"
ENGLISH = "The weather is lovely today, so we are going for a long walk in the park."
GERMAN = "Das Wetter ist heute sehr schön, deshalb gehen wir im Park lange spazieren."

# (id, kwargs, response, followed)
PER_ID = [
    ("keywords:existence", {"keywords": ["river", "Mona Lisa"]}, "The RIVERS pass the mona lisa.", True),
    ("keywords:existence", {"keywords": ["river", "Mona Lisa"]}, "The river is wide.", False),
    ("keywords:existence", {"keywords": ["c++"]}, "I write C++ daily.", True),  # literal, not a regex
    ("keywords:existence", {"keywords": ["c++"]}, "I write cc daily.", False),
    ("keywords:frequency", {"keyword": "cat", "frequency": 2, "relation": "at least"}, "cat and Cat", True),
    ("keywords:frequency", {"keyword": "cat", "frequency": 2, "relation": "at least"}, "one cat", False),
    ("keywords:frequency", {"keyword": "cat", "frequency": 2, "relation": "less than"}, "one cat", True),
    ("keywords:frequency", {"keyword": "cat", "frequency": 2, "relation": "less than"}, "cat and CAT", False),
    ("keywords:frequency", {"keyword": "cat", "frequency": 2, "relation": "at least"}, "concatenate cat", True),
    ("keywords:forbidden_words", {"forbidden_words": ["power"]}, "Empowerment matters.", True),
    ("keywords:forbidden_words", {"forbidden_words": ["power"]}, "POWER matters.", False),
    ("keywords:letter_frequency", {"letter": "A", "let_frequency": 3, "let_relation": "at least"}, "banana", True),
    ("keywords:letter_frequency", {"letter": "a", "let_frequency": 3, "let_relation": "at least"}, "bAna", False),
    ("keywords:letter_frequency", {"letter": "a", "let_frequency": 3, "let_relation": "less than"}, "bana", True),
    ("keywords:letter_frequency", {"letter": "a", "let_frequency": 3, "let_relation": "less than"}, "banana", False),
    ("language:response_language", {"language": "en"}, ENGLISH, True),
    ("language:response_language", {"language": "en"}, GERMAN, False),
    ("language:response_language", {"language": "de"}, GERMAN, True),
    ("language:response_language", {"language": "de"}, ENGLISH, False),
    ("length_constraints:number_sentences", {"num_sentences": 3, "relation": "less than"}, "One. Two!", True),
    ("length_constraints:number_sentences", {"num_sentences": 3, "relation": "less than"}, "One. Two? Three.", False),
    ("length_constraints:number_sentences", {"num_sentences": 3, "relation": "at least"}, "One. Two? Three.", True),
    ("length_constraints:number_sentences", {"num_sentences": 3, "relation": "at least"}, "One. Two!", False),
    # abbreviations, initials and decimals do not end sentences: 2 sentences each
    (
        "length_constraints:number_sentences",
        {"num_sentences": 3, "relation": "less than"},
        "Dr. Smith paid 3.50 dollars. He met J. R. R. Tolkien.",
        True,
    ),
    (
        "length_constraints:number_sentences",
        {"num_sentences": 2, "relation": "at least"},
        "Dr. Smith paid 3.50 dollars. He met J. R. R. Tolkien.",
        True,
    ),
    ("length_constraints:number_paragraphs", {"num_paragraphs": 2}, "First.\n***\nSecond.", True),
    ("length_constraints:number_paragraphs", {"num_paragraphs": 2}, "***\nFirst.\n***\nSecond.\n***", True),
    ("length_constraints:number_paragraphs", {"num_paragraphs": 2}, "A.\n***\nB.\n***\nC.", False),
    ("length_constraints:number_paragraphs", {"num_paragraphs": 2}, "A.\n***\n***\nB.", False),
    ("length_constraints:number_paragraphs", {"num_paragraphs": 2}, "A.\n\nB.", False),
    ("length_constraints:number_words", {"num_words": 10, "relation": "at least"}, TEN_WORDS, True),
    ("length_constraints:number_words", {"num_words": 10, "relation": "at least"}, NINE_WORDS, False),
    ("length_constraints:number_words", {"num_words": 10, "relation": "less than"}, NINE_WORDS, True),
    ("length_constraints:number_words", {"num_words": 10, "relation": "less than"}, TEN_WORDS, False),
    ("length_constraints:number_words", {"num_words": 3, "relation": "at least"}, "don't stop-now", True),  # 4 \w+ runs
    (
        "length_constraints:nth_paragraph_first_word",
        {"num_paragraphs": 2, "nth_paragraph": 2, "first_word": "Then"},
        "First part.\n\nThen, the end.",
        True,
    ),
    (
        "length_constraints:nth_paragraph_first_word",
        {"num_paragraphs": 2, "nth_paragraph": 2, "first_word": "then"},
        "First part.\n\nAnd then the end.",
        False,
    ),
    (
        "length_constraints:nth_paragraph_first_word",
        {"num_paragraphs": 2, "nth_paragraph": 2, "first_word": "then"},
        "First part.\n\nThen more.\n\nThen the end.",
        False,
    ),
    (
        "length_constraints:nth_paragraph_first_word",
        {"num_paragraphs": 2, "nth_paragraph": 1, "first_word": "first"},
        "\n\nFirst part.\n\nThen the end.",
        False,
    ),  # paragraph 1 is the empty piece before "\n\n", as in IFEval
    ("detectable_content:number_placeholders", {"num_placeholders": 2}, "Dear [name], see you at [address].", True),
    ("detectable_content:number_placeholders", {"num_placeholders": 2}, "Dear [name], see you soon.", False),
    ("detectable_content:number_placeholders", {"num_placeholders": 1}, "A [broken\nplaceholder] here.", False),
    ("detectable_content:number_placeholders", {"num_placeholders": 2}, "[[a] [b]", True),
    ("detectable_content:postscript", {"postscript_marker": "P.S."}, "Hello.\n\nP.S. See you.", True),
    ("detectable_content:postscript", {"postscript_marker": "P.S."}, "Hello. PS see you.", False),
    ("detectable_content:postscript", {"postscript_marker": "P.P.S"}, "Hello.\np. p. s see you.", True),
    ("detectable_content:postscript", {"postscript_marker": "P.P.S"}, "Hello.\nP.S. see you.", False),
    ("detectable_content:postscript", {"postscript_marker": "Note:"}, "Hello.\nnote: see you.", True),
    ("detectable_format:number_bullet_lists", {"num_bullets": 2}, "Items:\n* one\n* two", True),
    ("detectable_format:number_bullet_lists", {"num_bullets": 2}, "Items:\n* one\n- two", True),
    ("detectable_format:number_bullet_lists", {"num_bullets": 2}, "- one\n- two\n- three", False),
    ("detectable_format:number_bullet_lists", {"num_bullets": 2}, "**bold**\n* one", False),
    # a lone "*" matches its newline as IFEval's [^*] and swallows the next line's bullet
    ("detectable_format:number_bullet_lists", {"num_bullets": 2}, "*\n* two\n* three", True),
    ("detectable_format:constrained_response", {}, "My answer is yes.", True),
    ("detectable_format:constrained_response", {}, "Well... My answer is maybe. Who knows.", True),
    ("detectable_format:constrained_response", {}, "Yes.", False),
    ("detectable_format:number_highlighted_sections", {"num_highlights": 2}, "*a* and **b**", True),
    ("detectable_format:number_highlighted_sections", {"num_highlights": 2}, "*a* and ** **", False),
    ("detectable_format:number_highlighted_sections", {"num_highlights": 1}, "*not\nclosed*", False),
    (
        "detectable_format:multiple_sections",
        {"section_spliter": "Section", "num_sections": 2},
        "Section 1\nIntro.\nSection 2\nBody.",
        True,
    ),
    (
        "detectable_format:multiple_sections",
        {"section_spliter": "Section", "num_sections": 2},
        "Section 1\nIntro.",
        False,
    ),
    (
        "detectable_format:multiple_sections",
        {"section_spliter": "Section", "num_sections": 2},
        "SECTION 1\nIntro.\nSECTION 2\nBody.",
        False,
    ),
    ("detectable_format:json_format", {}, '```json\n{"a": [1, 2]}\n```', True),
    ("detectable_format:json_format", {}, '{"a": 1}', True),
    ("detectable_format:json_format", {}, "{'a': 1}", False),
    ("detectable_format:json_format", {}, 'Here it is: {"a": 1}', False),
    ("detectable_format:title", {}, "<<Ode to Joy>>\nLa la la.", True),
    ("detectable_format:title", {}, "Ode to Joy\nLa la la.", False),
    ("combination:two_responses", {}, "Answer A.\n******\nAnswer B.", True),
    ("combination:two_responses", {}, "Answer A.\n******\nAnswer A.", False),
    ("combination:two_responses", {}, "Answer A.", False),
    ("combination:repeat_prompt", {"prompt_to_repeat": "Write a poem."}, "write a POEM. Roses are red.", True),
    ("combination:repeat_prompt", {"prompt_to_repeat": "Write a poem."}, "Sure! Write a poem. Roses are red.", False),
    ("startend:end_checker", {"end_phrase": "Any questions?"}, "That is all. Any questions?", True),
    ("startend:end_checker", {"end_phrase": "Any questions?"}, '"That is all. any questions?"', True),
    ("startend:end_checker", {"end_phrase": "Any questions?"}, "Any questions? That is all.", False),
    (
        "change_case:capital_word_frequency",
        {"capital_frequency": 2, "capital_relation": "at least"},
        "THIS is VERY good",
        True,
    ),
    (
        "change_case:capital_word_frequency",
        {"capital_frequency": 2, "capital_relation": "at least"},
        "THIS is Very good",
        False,
    ),
    (
        "change_case:capital_word_frequency",
        {"capital_frequency": 2, "capital_relation": "less than"},
        "THIS is VERY good",
        False,
    ),
    (
        "change_case:capital_word_frequency",
        {"capital_frequency": 2, "capital_relation": "less than"},
        "THIS is Very good",
        True,
    ),
    # nltk's word_tokenize splits "DON'T" into "DO" + "N'T" and "CANNOT" into "CAN" + "NOT"
    ("change_case:capital_word_frequency", {"capital_frequency": 2, "capital_relation": "at least"}, "DON'T go", True),
    ("change_case:capital_word_frequency", {"capital_frequency": 2, "capital_relation": "at least"}, "I CANNOT", True),
    (
        "change_case:capital_word_frequency",
        {"capital_frequency": 2, "capital_relation": "at least"},
        "STATE-OF-THE-ART",
        False,
    ),
    ("change_case:english_capital", {}, "THIS IS AN ENGLISH SENTENCE. EVERY LETTER IS CAPITALIZED!", True),
    ("change_case:english_capital", {}, "This is an English sentence.", False),
    ("change_case:english_capital", {}, "DIES IST EIN DEUTSCHER SATZ UND ER IST LANG.", False),
    ("change_case:english_lowercase", {}, "every letter here is lowercase, and that is fine.", True),
    ("change_case:english_lowercase", {}, "Almost every letter is lowercase.", False),
    ("change_case:english_lowercase", {}, "das wetter ist heute sehr schön, deshalb gehen wir spazieren.", False),
    ("punctuation:no_comma", {}, "No commas here. None at all.", True),
    ("punctuation:no_comma", {}, "Well, here is one.", False),
    ("startend:quotation", {}, '  "Wrapped entirely."  ', True),
    ("startend:quotation", {}, '"Wrapped" but not all.', False),
    ("startend:quotation", {}, '"', False),
]


@pytest.mark.parametrize("iid,kwargs,response,expected", PER_ID, ids=[f"{c[0]}-{i}" for i, c in enumerate(PER_ID)])
def test_each_instruction(iid, kwargs, response, expected):
    assert followed(iid, kwargs, response) is expected


def test_every_id_has_a_following_and_a_violating_case():
    outcomes = {(iid, expected) for iid, _, _, expected in PER_ID}
    assert outcomes == {(iid, e) for iid in INSTRUCTION_IDS for e in (True, False)}


def test_instruction_ids_are_the_25_ifeval_ids():
    assert INSTRUCTION_IDS == tuple(
        sorted(
            [
                "keywords:existence",
                "keywords:frequency",
                "keywords:forbidden_words",
                "keywords:letter_frequency",
                "language:response_language",
                "length_constraints:number_sentences",
                "length_constraints:number_paragraphs",
                "length_constraints:number_words",
                "length_constraints:nth_paragraph_first_word",
                "detectable_content:number_placeholders",
                "detectable_content:postscript",
                "detectable_format:number_bullet_lists",
                "detectable_format:constrained_response",
                "detectable_format:number_highlighted_sections",
                "detectable_format:multiple_sections",
                "detectable_format:json_format",
                "detectable_format:title",
                "combination:two_responses",
                "combination:repeat_prompt",
                "startend:end_checker",
                "change_case:capital_word_frequency",
                "change_case:english_capital",
                "change_case:english_lowercase",
                "punctuation:no_comma",
                "startend:quotation",
            ]
        )
    )


# --------------------------------------------------------------------------
# The cases of google-research instruction_following_eval/instructions_test.py, same texts
# (their class-level strings keep a two-space indent, kept here) and the same expectations.
# --------------------------------------------------------------------------

BULLETS_1 = """
  A Markdown bullet point is a way of formatting text to create a list. To
  create a bullet point, start each line with an asterisk (*). For example:
  * This is a bullet point.
  *(no space required)Another bullet point.
  * (no newline ending required)Another bullet point.
  markdown bullet points are often used to create to-do lists or to list items
  in a step-by-step guide."""
BULLETS_2 = """
  Check that inline asterisk (*), *, will not be counted. Only * that starts a
  bullet list will be counted:
    * This is a bullet point.
    * Another bullet point.
    . dot is not counted"""
BULLETS_3 = """
  Here are three bullets starting with asterisk:
  * I am a large language model, also known as a conversational AI.
  * I am trained on a massive amount of text data, and I am able to communicate.
  * I am still under development, but I am learning new things every day."""
BULLETS_4 = """
  Here are three markdown bullets:
  - I am a large language model, also known as a conversational AI.
  - I am trained on a massive amount of text data, and I am able to communicate.
  -I am still under development, but I am learning new things every day."""
BULLETS_5 = """
  Paragraph 1
  ***
  Paragraph 2
  ***
  Paragraph 3
  * only one bullet point
  """
HIGHLIGHTS_1 = """
  To highlight text with Markdown, you can use the * character before and after
  the text you want to highlight. For example, if you want to highlight the
  word `hello`, you would type:*hello*, You can also use the ** character to
  create bold text. For example, if you want to bold the word `hello`, you
  would type: **hello** """
HIGHLIGHTS_2 = """
  Sure, here are the numerical methods for solving partial differential
  equations highlighted with Markdown:
  *Finite difference methods
  *Finite element methods*
  *Boundary element methods
  *Monte Carlo methods
  I hope this helps!"""
HIGHLIGHTS_3 = """
  There is allowed to be *two different* highlighted *sections in the same*
  line. **This is also true** for **double markdown highlights.**
  """
SECTIONS_1 = """
  Your response must have multiple sections. Mark the beginning of each section
  with "Section X", such as:
  Section 1
  [content of section 1]
  Section 2
  [content of section 2]"""
SECTIONS_2 = """SECTION 1
  [content of section 1]
  SECTION 2
  [content of section 2]"""
PARAGRAPHS_1 = """
  paragraph 1
  ***
  paragraph 2
  ***
  paragraph 3"""
PARAGRAPHS_2 = """
          ***
  paragraph 1
          ***
      paragraph 2
          ***
      paragraph 3"""
PARAGRAPHS_3 = """
  paragraph 1
          ***
      paragraph 2
          ***
      paragraph 3
          ***"""
PARAGRAPHS_4 = """
  paragraph 1
          ***
      paragraph 2
          ***
          ***"""
POSTSCRIPT_1 = """
  I will do my best to follow your instructions and always start my responses
  with "My response is:". I will try to be as consistent as possible, but
  please be patient with me if I make a mistake. I am still under development,
  and I am always learning new things.

  P.S. I hope this is what you were looking for."""
POSTSCRIPT_2 = """
  Sure, here is my response with a postscript starting with P.P.S.:

  My response is: I hope this answers your question.

  P.P.S. I am always happy to answer any other questions you may have.

  Do you have any other questions for me?"""
POSTSCRIPT_3 = """
  The radius of a unit circle is 1. However, I can give you a funny and wrong
  answer: the radius of a unit circle is 0. This is because a unit circle is a
  circle with a radius of 1, and if the radius is 0, then the circle has no
  size and is just a point. (not starting a new line) P.S. I hope you enjoyed
  my joke!"""
POSTSCRIPT_4 = """
  If the length of a square is one, the area of the square will also be one.
  p.p.s what if the entire response was lower case letters?
  """
POSTSCRIPT_5 = """
  The mysteries of space and time are mysterious.
  P. S. Sometimes there are even spaces between P. and S..
  """
KEYWORDS_1 = """
  Paris is a city of beauty and romance. The romantic river Seine winds its way
  through the city, past iconic landmarks like the Eiffel Tower and the Louvre
  Museum, where the Mona Lisa resides. Whether you're taking a boat cruise down
  the river or simply strolling along the banks, you're sure to be captivated
  by the city's charm."""
KEYWORDS_2 = """
  Paris is a city of beauty, romance, and history. It is home to some of the
  most iconic landmarks in the world, including the Eiffel Tower, the Louvre
  Museum, and the Notre Dame Cathedral. The city is also known for its romantic
  river cruises, its delicious food, and its stylish people.
  """
FREQUENCY_1 = """
  keyword, Keyword, KEYWORD
  """
FREQUENCY_2 = """
    *keyword
    *Keyword
    *KEYWORD
  """
WORDS_1 = """
  d3sCRi7 lArge lAnguagE M0del w1tH 20 w0RdS."""
WORDS_2 = """
  L4RGE L4NGU4GE M0DEL: AI syst3m th4t und3rstands, g3n3r4tes, or tr4nsforms
  l4ngu4g3 b4s3d on pr3vious l3arning & d4t4."""
FIRST_WORD_1 = """
  paragraph 1

  I paragraph 2

  paragraph 3"""
FIRST_WORD_2 = """
  paragraph 1

  I paragraph 2"""
FIRST_WORD_3 = """
  paragraph 1

  fail paragraph 2

  paragraph 3"""
FIRST_WORD_4 = """
  Wow this is a very long response.

  I can't believe there is more than three paragraphs.

  Really more than three? No way!

  I can't believe it but I guess I am living proof.

  Haha, you go that right."""
FIRST_WORD_5 = """
  Wow this is a very long response.

  I can't believe there is more than three paragraphs.

  "Really?! more than three? No way!"

  I can't believe it but I guess I am living proof.

  Haha, you go that right."""
FIRST_WORD_6 = """
  Wow this is a very long response.

  I can't believe there is more than three paragraphs.

  Rea!lly more than three? No way!

  I can't believe it but I guess I am living proof.

  Haha, you go that right."""
FORBIDDEN_1 = """
  The Nazis came to power in 1933 through a combination of legal and illegal
  means. Hitler was appointed chancellor by President Paul von Hindenburg, and
  the Nazis quickly consolidated their power by passing a series of laws that
  restricted the rights of opposition parties and individuals. By 1934, Hitler
  had become dictator of Germany.
  """
FORBIDDEN_2 = """
  Dinosaurs were a diverse group of reptiles that dominated the Earth for over
  160 million years. They came in all shapes and sizes, from the tiny
  Compsognathus to the massive Argentinosaurus. Dinosaurs were the most
  successful land animals on Earth until they went extinct about 66 million
  years ago. The exact cause of their extinction is still unknown, but it
  is thought to have been a combination of factors, including an asteroid
  impact and climate change.
  """
FORBIDDEN_3 = """
  GPT, or Generative Pre-trained Transformer, is a family of neural network
  models that uses the transformer architecture. GPT models are trained on a
  massive dataset of text and code, and can be used for a variety of tasks,
  including text generation, translation, and question answering. GPT models
  have been shown to be very effective at these tasks, and are being used by
  a variety of companies and organizations like Google.
  """
TWO_RESPONSES_1 = """
  This is response 1.
  ******
  This is response 2.
  """
TWO_RESPONSES_2 = """
  This is response 1.
  ******
  This is response 1.
  """
TWO_RESPONSES_3 = """
  This is response 1.
  ******
  This is response 2.
  ******
  This is response 3.
  """
TWO_RESPONSES_4 = """
  ******
  Response 1.
  ******
  ******
  Response 2.
  ******
  """
TWO_RESPONSES_5 = """
  ******
  Response 1
  ******
  Response 2
  ******
  """
END_1, END_PHRASE_1 = "\n  The answer is 7. Any more questions?\n  ", "\n  Any more questions?\n  "
END_2, END_PHRASE_2 = (
    "\n  At the end of this prompt I am required to say that this is the end.\n  ",
    "\n  This is the end.\n  ",
)
END_3, END_PHRASE_3 = "\n  This will fail. Paris is cool.\n  ", "\n  This will fail.\n  "
TITLE_1 = "\n  <<Song of Joy>>\n  La la la. Happy song.\n  "
TITLE_2 = "\n  Is it fine for title to be at the end?\n  <<This is the title>>\n  "
TITLE_3 = "\n  << >>\n  There is no title.\n  "
TITLE_4 = "\n  <<This is not a title.\n  This is a paragraph.>>\n  "
LETTERS_1 = "\n  There is the T. Four T's.\n  "
LETTERS_2 = "\n  asdfghjkl!!aA\n  "
CAPITAL_WORDS_1 = "\n  HERE there are THREE FUlly CAPITAL words.\n  "
CAPITAL_WORDS_2 = "\n  THERE are Four FULLY CAPITAL WORDS. Many Others Are Only Partially So.\n  "
PLACEHOLDERS_1 = (
    "Sure, here is a short template with 5 placeholders:\n[Name]\n[Email]\n[Phone]\n[Address]\n"
    "[Website]\nThis template can be used for a variety of purposes, such ascreating a contact list, "
    "sending out surveys, or creating a sign-up form."
)
PLACEHOLDERS_2 = "My [adjective] [noun] is [adjective] [noun]. I [verb] and [verb]."
REPEAT_KW = {"prompt_to_repeat": "Write a CL description."}

IFEVAL_CASES = [
    ("language:response_language", {"language": "en"}, "The response is English", True),
    ("language:response_language", {"language": "es"}, "Desayunamos en McDonald's hoy", True),
    ("language:response_language", {"language": "en"}, "Today we visit the Louvre", True),
    (
        "length_constraints:number_sentences",
        {"num_sentences": 4, "relation": "less than"},
        "xx,x. xx,x! xx/x. x{x}x?",
        False,
    ),
    (
        "length_constraints:number_sentences",
        {"num_sentences": 5, "relation": "less than"},
        "xxxx. xx,x! xxxx. x(x)x?",
        True,
    ),
    (
        "length_constraints:number_sentences",
        {"num_sentences": 4, "relation": "at least"},
        "xxxx. xx,x! xx|x. x&x x?",
        True,
    ),
    (
        "length_constraints:number_sentences",
        {"num_sentences": 5, "relation": "at least"},
        "xx-x. xx,x! xx}x. x,xx?",
        False,
    ),
    ("detectable_content:number_placeholders", {"num_placeholders": 5}, PLACEHOLDERS_1, True),
    ("detectable_content:number_placeholders", {"num_placeholders": 7}, PLACEHOLDERS_2, False),
    ("detectable_format:number_bullet_lists", {"num_bullets": 3}, BULLETS_1, True),
    ("detectable_format:number_bullet_lists", {"num_bullets": 2}, BULLETS_2, True),
    ("detectable_format:number_bullet_lists", {"num_bullets": 3}, BULLETS_3, True),
    ("detectable_format:number_bullet_lists", {"num_bullets": 3}, BULLETS_4, True),
    ("detectable_format:number_bullet_lists", {"num_bullets": 1}, BULLETS_5, True),
    ("detectable_format:constrained_response", {}, "\n My answer is no.\n", True),
    ("detectable_format:constrained_response", {}, "My answer is no.   ", True),
    (
        "detectable_format:constrained_response",
        {},
        "\n  My answer is no. I am still under development and I am always learning and\n  improving.",
        True,
    ),
    ("detectable_format:number_highlighted_sections", {"num_highlights": 2}, HIGHLIGHTS_1, True),
    ("detectable_format:number_highlighted_sections", {"num_highlights": 2}, HIGHLIGHTS_2, False),
    ("detectable_format:number_highlighted_sections", {"num_highlights": 4}, HIGHLIGHTS_3, True),
    ("detectable_format:multiple_sections", {"section_spliter": "Section", "num_sections": 3}, SECTIONS_1, False),
    ("detectable_format:multiple_sections", {"section_spliter": "SECTION", "num_sections": 2}, SECTIONS_2, True),
    ("length_constraints:number_paragraphs", {"num_paragraphs": 3}, PARAGRAPHS_1, True),
    ("length_constraints:number_paragraphs", {"num_paragraphs": 3}, PARAGRAPHS_2, True),
    ("length_constraints:number_paragraphs", {"num_paragraphs": 3}, PARAGRAPHS_3, True),
    ("length_constraints:number_paragraphs", {"num_paragraphs": 2}, PARAGRAPHS_4, False),
    ("detectable_content:postscript", {"postscript_marker": "P.S."}, POSTSCRIPT_1, True),
    ("detectable_content:postscript", {"postscript_marker": "PS:"}, POSTSCRIPT_1, False),
    ("detectable_content:postscript", {"postscript_marker": "P.P.S"}, POSTSCRIPT_2, True),
    ("detectable_content:postscript", {"postscript_marker": "P.S."}, POSTSCRIPT_3, True),
    ("detectable_content:postscript", {"postscript_marker": "P.P.S"}, POSTSCRIPT_4, True),
    ("detectable_content:postscript", {"postscript_marker": "P.S."}, POSTSCRIPT_5, True),
    ("keywords:existence", {"keywords": ["romantic", "river", "Mona Lisa"]}, KEYWORDS_1, True),
    ("keywords:existence", {"keywords": ["romantic", "river", "Mona Lisa"]}, KEYWORDS_2, False),
    ("keywords:frequency", {"keyword": "  keyword ", "frequency": 4, "relation": "less than"}, FREQUENCY_1, True),
    ("keywords:frequency", {"keyword": "  keyword ", "frequency": 3, "relation": "at least"}, FREQUENCY_1, True),
    ("keywords:frequency", {"keyword": "KEYWORD", "frequency": 4, "relation": "at least"}, FREQUENCY_2, False),
    ("length_constraints:number_words", {"num_words": 8, "relation": "less than"}, WORDS_1, True),
    ("length_constraints:number_words", {"num_words": 16, "relation": "less than"}, WORDS_2, False),
    ("length_constraints:number_words", {"num_words": 16, "relation": "at least"}, WORDS_2, True),
    *[
        ("length_constraints:nth_paragraph_first_word", kwargs, text, expected)
        for kwargs, text, expected in [
            ({"num_paragraphs": 3, "nth_paragraph": 2, "first_word": "I"}, FIRST_WORD_1, True),
            ({"num_paragraphs": 3, "nth_paragraph": 2, "first_word": "I"}, FIRST_WORD_2, False),
            ({"num_paragraphs": 3, "nth_paragraph": 2, "first_word": "I"}, FIRST_WORD_3, False),
            ({"num_paragraphs": 5, "nth_paragraph": 5, "first_word": "haha"}, FIRST_WORD_4, True),
            ({"num_paragraphs": 5, "nth_paragraph": 3, "first_word": "Really"}, FIRST_WORD_5, True),
            ({"num_paragraphs": 5, "nth_paragraph": 3, "first_word": "Really"}, FIRST_WORD_6, False),
        ]
    ],
    *[
        ("keywords:forbidden_words", {"forbidden_words": words}, text, expected)
        for words, text, expected in [
            (["HOUSE", "POWER", "BECOME"], FORBIDDEN_1, False),
            (["HOUSE", "POWER", "BECOME"], FORBIDDEN_2, True),
            (["HOUSE", "POWER", "BECOME"], FORBIDDEN_3, True),
            (["GOOGLE", "TEXT"], FORBIDDEN_1, True),
            (["GOOGLE", "TEXT"], FORBIDDEN_2, True),
            (["GOOGLE", "TEXT"], FORBIDDEN_3, False),
            (["GENE", "TRANSFORM"], FORBIDDEN_3, True),
        ]
    ],
    ("combination:two_responses", {}, TWO_RESPONSES_1, True),
    ("combination:two_responses", {}, TWO_RESPONSES_2, False),
    ("combination:two_responses", {}, TWO_RESPONSES_3, False),
    ("combination:two_responses", {}, TWO_RESPONSES_4, False),
    ("combination:two_responses", {}, TWO_RESPONSES_5, True),
    (
        "combination:repeat_prompt",
        REPEAT_KW,
        "Write a CL description. Hi, Le and TJ, please\n  check this out. Thanks.\n  ",
        True,
    ),
    ("combination:repeat_prompt", REPEAT_KW, "Hi, Le and TJ. Write a CL description. Thanks.\n  ", False),
    ("startend:end_checker", {"end_phrase": END_PHRASE_1}, END_1, True),
    ("startend:end_checker", {"end_phrase": END_PHRASE_2}, END_2, True),
    ("startend:end_checker", {"end_phrase": END_PHRASE_3}, END_3, False),
    ("detectable_format:title", {}, TITLE_1, True),
    ("detectable_format:title", {}, TITLE_2, True),
    ("detectable_format:title", {}, TITLE_3, False),
    ("detectable_format:title", {}, TITLE_4, False),
    ("keywords:letter_frequency", {"letter": "T", "let_frequency": 4, "let_relation": "at least"}, LETTERS_1, True),
    ("keywords:letter_frequency", {"letter": "a", "let_frequency": 4, "let_relation": "less than"}, LETTERS_2, True),
    ("keywords:letter_frequency", {"letter": "p", "let_frequency": 4, "let_relation": "at least"}, LETTERS_2, False),
    (
        "keywords:letter_frequency",
        {"letter": "#", "let_frequency": 4, "let_relation": "at least"},
        "#one #two #three #four",
        True,
    ),
    (
        "keywords:letter_frequency",
        {"letter": "#", "let_frequency": 4, "let_relation": "at least"},
        "#one #two #three",
        False,
    ),
    (
        "change_case:english_capital",
        {},
        "\n  THIS IS AN ENGLISH SENTENCE. EVERY LETTER IS CAPITALIZED!!! AMAZING.\n  ",
        True,
    ),
    ("change_case:english_capital", {}, "\n  Every Word Is Capitalized.\n  ", False),
    ("change_case:english_lowercase", {}, "\n  every letter is lowercase.\n  ", True),
    ("change_case:english_lowercase", {}, "\n  Almost every letter is lowercase.\n  ", False),
    ("punctuation:no_comma", {}, "\n  Every sentence is short. There is no need for a comma.\n  ", True),
    (
        "punctuation:no_comma",
        {},
        "\n  Since the start of time, people have always found a way to punctuate.\n  ",
        False,
    ),
    (
        "change_case:capital_word_frequency",
        {"capital_frequency": 3, "capital_relation": "at least"},
        CAPITAL_WORDS_1,
        True,
    ),
    (
        "change_case:capital_word_frequency",
        {"capital_frequency": 5, "capital_relation": "less than"},
        CAPITAL_WORDS_2,
        True,
    ),
    (
        "change_case:capital_word_frequency",
        {"capital_frequency": 4, "capital_relation": "less than"},
        CAPITAL_WORDS_2,
        False,
    ),
    ("startend:quotation", {}, '\n  "This entire message is wrapped in double quotation marks."\n  ', True),
    (
        "startend:quotation",
        {},
        '\n  "This message is wrapped in double quotation marks." But not everything.\n  ',
        False,
    ),
]


@pytest.mark.parametrize(
    "iid,kwargs,response,expected", IFEVAL_CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(IFEVAL_CASES)]
)
def test_ifeval_instructions_test_cases(iid, kwargs, response, expected):
    assert followed(iid, kwargs, response) is expected


# --------------------------------------------------------------------------
# Strict vs loose: loose also tries the response without its first and/or last line, each with
# and without every "*" (IFEval's evaluation_lib), and passes when any variant does.
# --------------------------------------------------------------------------

LOOSE = [
    # (id, kwargs, response, strict, loose)
    ("startend:end_checker", {"end_phrase": "Any questions?"}, "The answer is 7. **Any questions?**", False, True),
    (
        "startend:end_checker",
        {"end_phrase": "Any questions?"},
        "The answer is 7. Any questions?\nHope it helps!",
        False,
        True,
    ),
    ("startend:quotation", {}, 'Sure, here you go:\n"The whole answer, quoted."', False, True),
    ("detectable_format:json_format", {}, 'Sure, here you go:\n{"a": 1}\nLet me know!', False, True),
    (
        "combination:repeat_prompt",
        {"prompt_to_repeat": "Write a poem."},
        "Sure!\nWrite a poem. Roses are red.",
        False,
        True,
    ),
    ("detectable_format:constrained_response", {}, "**My answer is yes.**", True, True),
    ("punctuation:no_comma", {}, "Sure, here you go:\nA, B and C.\nThanks!", False, False),
    (
        "length_constraints:number_words",
        {"num_words": 10, "relation": "at least"},
        "Sure, here you go:\nthree words only",
        False,
        False,
    ),
]


@pytest.mark.parametrize("iid,kwargs,response,strict,loose", LOOSE, ids=[f"{c[0]}-{i}" for i, c in enumerate(LOOSE)])
def test_strict_and_loose(iid, kwargs, response, strict, loose):
    assert followed(iid, kwargs, response, "strict") is strict
    assert followed(iid, kwargs, response, "loose") is loose


def test_loose_mode_from_the_reference_and_overridden_by_options():
    ref = {"instruction_id_list": ["startend:end_checker"], "kwargs": [{"end_phrase": "Bye."}], "mode": "loose"}
    response = "See you. *Bye.*"
    assert verify(response, ref).status == "correct"
    assert verify(response, ref, {"mode": "strict"}).status == "incorrect"
    assert verify(response, {**ref, "mode": "strict"}).status == "incorrect"
    assert verify(response, {**ref, "mode": "strict"}, {"mode": "loose"}).status == "correct"
    assert verify(response, {**ref, "mode": "strict"}, {"mode": None}).status == "incorrect"


@pytest.mark.parametrize("mode", ["lenient", "STRICT", 1])
def test_unknown_mode_in_options_is_an_error(mode):
    v = verify("Bye.", {"instruction_id_list": ["punctuation:no_comma"], "kwargs": [{}]}, {"mode": mode})
    assert (v.status, v.reward) == ("error", 0.0)
    assert "strict, loose" in v.detail


# --------------------------------------------------------------------------
# Reward and detail
# --------------------------------------------------------------------------


def test_partial_reward_and_detail():
    ref = {
        "instruction_id_list": ["keywords:existence", "punctuation:no_comma", "startend:end_checker"],
        "kwargs": [{"keywords": ["apple"]}, {}, {"end_phrase": "The end."}],
    }
    v = verify("An apple, a pear, a plum, all fruit. The end.", ref)
    assert v.status == "incorrect"
    assert v.reward == pytest.approx(2 / 3)
    assert v.detail.startswith("2/3 followed")
    assert "keywords:existence ok" in v.detail
    assert "punctuation:no_comma FAILED (found 3 commas)" in v.detail
    assert "startend:end_checker ok" in v.detail
    assert v.extracted.startswith("An apple")


def test_half_reward_and_all_followed():
    ref = {"instruction_id_list": ["punctuation:no_comma", "detectable_format:title"], "kwargs": [{}, {}]}
    half = verify("No title here", ref)
    assert (half.status, half.reward) == ("incorrect", 0.5)
    assert "detectable_format:title FAILED (no <<title>>)" in half.detail
    full = verify("<<Title>>\nNo commas", ref)
    assert (full.status, full.reward) == ("correct", 1.0)
    assert full.detail.startswith("2/2 followed")


def test_nothing_followed():
    v = grade("length_constraints:number_words", {"num_words": 5, "relation": "at least"}, "too short")
    assert (v.status, v.reward) == ("incorrect", 0.0)
    assert "2 words, need at least 5" in v.detail


@pytest.mark.parametrize("mode", ["strict", "loose"])
@pytest.mark.parametrize("response", ["", "   \n\t  "])
def test_empty_response_follows_nothing(response, mode):
    # Each of these follows on any non-empty text.
    ref = {
        "instruction_id_list": ["punctuation:no_comma", "keywords:forbidden_words", "keywords:frequency"],
        "kwargs": [{}, {"forbidden_words": ["x"]}, {"keyword": "x", "frequency": 1, "relation": "less than"}],
    }
    v = verify(response, ref, {"mode": mode})
    assert (v.status, v.reward) == ("incorrect", 0.0)
    assert v.detail.count("FAILED (empty response)") == 3


# --------------------------------------------------------------------------
# The reference: HuggingFace rows, unknown ids, bad kwargs
# --------------------------------------------------------------------------

ALL_KWARG_NAMES = sorted({name for rule in instruction.RULES.values() for name in rule.params})


def hf_kwargs(**used):
    """A kwargs dict the way google/IFEval's HuggingFace rows carry it: every name, unused ones None."""
    return {name: used.get(name) for name in ALL_KWARG_NAMES}


def test_huggingface_row_with_none_kwargs():
    row = {
        "key": 1000,
        "prompt": "Write a 300+ word summary. Do not use any commas. Highlight 3 sections.",
        "instruction_id_list": [
            "punctuation:no_comma",
            "detectable_format:number_highlighted_sections",
            "length_constraints:number_words",
        ],
        "kwargs": [hf_kwargs(), hf_kwargs(num_highlights=3), hf_kwargs(num_words=30, relation="at least")],
    }
    response = "*One* and *two* and *three* highlights. " + " ".join(["word"] * 30)
    v = verify(response, row)
    assert (v.status, v.reward) == ("correct", 1.0), v.detail
    v = verify(response.replace("*three*", "three, too"), row)
    assert v.reward == pytest.approx(1 / 3), v.detail


@pytest.mark.parametrize("ids", [["punctuation:no_comma", "keywords:include_keywords"], ["no_comma"], [""]])
def test_unknown_instruction_id_is_an_error_never_a_pass(ids):
    v = verify("No commas at all", {"instruction_id_list": ids, "kwargs": [{}] * len(ids)})
    assert (v.status, v.reward) == ("error", 0.0)
    assert repr(ids[-1]) in v.detail and "INSTRUCTION_IDS" in v.detail


BAD_KWARGS = [
    ("length_constraints:number_words", {"num_words": 10}, "missing kwarg 'relation'"),
    ("length_constraints:number_words", {"num_words": "10", "relation": "at least"}, "'num_words'"),
    ("length_constraints:number_words", {"num_words": True, "relation": "at least"}, "'num_words'"),
    ("length_constraints:number_words", {"num_words": 10.5, "relation": "at least"}, "'num_words'"),
    ("length_constraints:number_words", {"num_words": -1, "relation": "at least"}, "'num_words'"),
    ("length_constraints:number_words", {"num_words": 10, "relation": "at most"}, "'relation'"),
    ("punctuation:no_comma", {"num_words": 10}, "unknown kwarg 'num_words'"),
    ("keywords:letter_frequency", {"letter": "ab", "let_frequency": 1, "let_relation": "at least"}, "'letter'"),
    ("keywords:letter_frequency", {"letter": " ", "let_frequency": 1, "let_relation": "at least"}, "'letter'"),
    ("keywords:letter_frequency", {"letter": "a", "let_frequency": -1, "let_relation": "at least"}, "'let_frequency'"),
    ("language:response_language", {"language": "xx"}, "'language'"),
    ("language:response_language", {"language": "zh"}, "zh-cn"),  # langdetect answers zh-cn / zh-tw
    ("keywords:existence", {"keywords": "river"}, "'keywords'"),
    ("keywords:existence", {"keywords": []}, "'keywords'"),
    ("keywords:forbidden_words", {"forbidden_words": ["ok", ""]}, "'forbidden_words'"),
    (
        "length_constraints:nth_paragraph_first_word",
        {"num_paragraphs": 2, "nth_paragraph": 3, "first_word": "a"},
        "'nth_paragraph'",
    ),
    (
        "length_constraints:nth_paragraph_first_word",
        {"num_paragraphs": 2, "nth_paragraph": 0, "first_word": "a"},
        "'nth_paragraph'",
    ),
    ("startend:end_checker", {"end_phrase": "   "}, "'end_phrase'"),
    ("combination:repeat_prompt", {}, "missing kwarg 'prompt_to_repeat'"),
    ("detectable_format:multiple_sections", hf_kwargs(num_sections=2), "missing kwarg 'section_spliter'"),
]


@pytest.mark.parametrize("iid,kwargs,message", BAD_KWARGS, ids=[f"{c[0]}-{i}" for i, c in enumerate(BAD_KWARGS)])
def test_bad_kwargs_are_an_error_naming_index_id_and_kwarg(iid, kwargs, message):
    ref = {"instruction_id_list": ["punctuation:no_comma", iid], "kwargs": [{}, kwargs]}
    v = verify("one two three four five six seven eight nine ten", ref)
    assert (v.status, v.reward) == ("error", 0.0)
    assert f"instruction 1 ({iid})" in v.detail
    assert message in v.detail


BAD_REFERENCES = [
    ({"instruction_id_list": ["punctuation:no_comma"], "kwargs": []}, "one kwargs dict per instruction"),
    ({"instruction_id_list": ["punctuation:no_comma"], "kwargs": [{}, {}]}, "one kwargs dict per instruction"),
    ({"instruction_id_list": [], "kwargs": []}, "instruction_id_list"),
    ({"instruction_id_list": "punctuation:no_comma", "kwargs": [{}]}, "instruction_id_list"),
    ({"instruction_id_list": ["punctuation:no_comma"], "kwargs": {}}, "kwargs"),
    ({"instruction_id_list": ["punctuation:no_comma"]}, "kwargs"),
    ({"instruction_id_list": ["punctuation:no_comma"], "kwargs": [{}], "mode": "lenient"}, "mode"),
    ({"instruction_id_list": ["punctuation:no_comma"], "kwargs": [{}], "key": 1.5}, "key"),
    ({"instruction_id_list": ["punctuation:no_comma"], "kwargs": [{}], "answer": "x"}, "answer"),
]


@pytest.mark.parametrize("reference,message", BAD_REFERENCES)
def test_invalid_references_are_rejected(reference, message):
    with pytest.raises(ValidationError, match=message):
        Reference.model_validate(reference)
    v = verify("No commas", reference)
    assert (v.status, v.reward) == ("error", 0.0)
    assert message in v.detail


def test_a_full_ifeval_row_is_a_valid_reference():
    ref = Reference.model_validate(
        {"key": 1001, "prompt": "p", "instruction_id_list": ["punctuation:no_comma"], "kwargs": [{}], "mode": "loose"}
    )
    assert (ref.key, ref.mode) == (1001, "loose")
    assert Reference.model_validate({"instruction_id_list": ["x"], "kwargs": [{}]}).mode == "strict"


# --------------------------------------------------------------------------
# Language detection
# --------------------------------------------------------------------------


# Unseeded langdetect answers these differently from run to run ("en" or "af"; "lt", "en" or "id").
@pytest.mark.parametrize("text", ["Das ist gut, very good, tres bien", "Tokyo Paris Berlin"])
def test_language_detection_is_deterministic(text):
    verdicts = {grade("language:response_language", {"language": "en"}, text) for _ in range(20)}
    assert len(verdicts) == 1


@pytest.mark.parametrize(
    "iid,kwargs,response",
    [
        ("language:response_language", {"language": "en"}, "12345 !!! 678 ..."),
        ("change_case:english_capital", {}, "Ⅻ 12 Ⅷ"),  # all capitals, nothing langdetect can read
        ("change_case:english_lowercase", {}, "ⓐ ⓑ 12"),
    ],
)
def test_undetectable_language_does_not_follow(iid, kwargs, response):
    v = grade(iid, kwargs, response)
    assert (v.status, v.reward) == ("incorrect", 0.0)
    assert "could not be detected" in v.detail


@pytest.mark.parametrize(
    "language,response,expected",
    [
        ("de", GERMAN, True),
        ("de", ENGLISH, False),
        ("fr", "Nous avons passé une excellente journée au bord de la mer avec nos amis.", True),
        ("ru", "Сегодня мы гуляли в парке и разговаривали о книгах.", True),
        ("ja", "今日は公園で友達と一緒に散歩をしました。", True),
        ("ja", ENGLISH, False),
    ],
)
def test_non_english_response_language(language, response, expected):
    assert followed("language:response_language", {"language": language}, response) is expected


# --------------------------------------------------------------------------
# Hostile responses: a megabyte built to make backtracking regexes quadratic. The verdicts must
# be right; how fast they come is measured elsewhere, never asserted.
# --------------------------------------------------------------------------

MB = 1_000_000
HOSTILE = [
    ("*" * MB, "detectable_format:number_bullet_lists", {"num_bullets": 0}, True),
    ("*" * MB, "detectable_format:number_highlighted_sections", {"num_highlights": 1}, False),
    ("*" * MB, "length_constraints:number_paragraphs", {"num_paragraphs": 1}, False),
    ("x\n" + " " * MB + "* item", "detectable_format:number_bullet_lists", {"num_bullets": 1}, True),
    ("x" + "\n" * MB + "- item", "detectable_format:number_bullet_lists", {"num_bullets": 1}, True),
    ("x" + "\n" * MB + "x", "detectable_format:number_bullet_lists", {"num_bullets": 1}, False),
    ("[" * MB, "detectable_content:number_placeholders", {"num_placeholders": 1}, False),
    ("[" * MB + "]", "detectable_content:number_placeholders", {"num_placeholders": 1}, True),
    ("[\n" * (MB // 2) + "]", "detectable_content:number_placeholders", {"num_placeholders": 1}, False),
    ("[" * MB, "detectable_format:json_format", {}, False),
    ("<" * MB, "detectable_format:title", {}, False),
    ("<<" + "a" * MB + ">>", "detectable_format:title", {}, True),
    ("P.S." * (MB // 4), "detectable_content:postscript", {"postscript_marker": "P.S."}, True),
    (" " * MB + "x", "detectable_content:postscript", {"postscript_marker": "P.S."}, False),
    # letter-dot pairs are initials to IFEval's splitter: one sentence
    ("P.S." * (MB // 4), "length_constraints:number_sentences", {"num_sentences": 2, "relation": "less than"}, True),
    (
        "Yes. " * (MB // 5),
        "length_constraints:number_sentences",
        {"num_sentences": MB // 5, "relation": "at least"},
        True,
    ),
    ("P.S." * (MB // 4), "language:response_language", {"language": "en"}, False),
    ("a@" * (MB // 2), "language:response_language", {"language": "en"}, False),
    (
        "Section 1 " * (MB // 10),
        "detectable_format:multiple_sections",
        {"section_spliter": "Section", "num_sections": 5},
        True,
    ),
    ("\n" * MB, "punctuation:no_comma", {}, False),  # blank: follows nothing
]


@pytest.mark.parametrize("mode", ["strict", "loose"])
@pytest.mark.parametrize("text,iid,kwargs,expected", HOSTILE, ids=[f"{c[1]}-{i}" for i, c in enumerate(HOSTILE)])
def test_hostile_megabyte_responses(text, iid, kwargs, expected, mode):
    assert followed(iid, kwargs, text, mode) is expected


# IFEval's own patterns, as an oracle for the linear scans that replace them (fine on short text).
def _ifeval_bullets(text):
    return len(re.findall(r"^\s*\*[^\*].*$", text, flags=re.MULTILINE)) + len(
        re.findall(r"^\s*-.*$", text, flags=re.MULTILINE)
    )


def _ifeval_placeholders(text):
    return len(re.findall(r"\[.*?\]", text))


def _ifeval_title(text):
    return any(t.lstrip("<").rstrip(">").strip() for t in re.findall(r"<<[^\n]+>>", text))


def _ifeval_postscript(text, pattern):
    return bool(re.findall(pattern, text.lower(), flags=re.MULTILINE))


@pytest.mark.parametrize("seed", range(5))
def test_linear_scans_match_ifevals_regexes(seed):
    rng = random.Random(seed)
    for _ in range(400):
        text = "".join(
            rng.choice(["*", "-", "[", "]", "<", ">", " ", "\n", "\t", "a", "P", ".", "s", "S", "p", "\u00a0"])
            for _ in range(rng.randint(1, 40))
        )
        for n in range(4):
            assert rules.number_bullet_lists(text, num_bullets=n)[0] == (_ifeval_bullets(text) == n), repr(text)
            assert rules.number_placeholders(text, num_placeholders=n)[0] == (_ifeval_placeholders(text) >= n), repr(
                text
            )
        assert rules.title(text)[0] == _ifeval_title(text), repr(text)
        assert rules.postscript(text, postscript_marker="P.S.")[0] == _ifeval_postscript(text, r"\s*p\.\s?s\..*$")
        assert rules.postscript(text, postscript_marker="P.P.S")[0] == _ifeval_postscript(text, r"\s*p\.\s?p\.\s?s.*$")
