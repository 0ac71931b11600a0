"""Prompts: the manifest's own when it has one, otherwise the project's default (lexicons/)."""

from __future__ import annotations

import re
from functools import cache

from .._data import lexicon_dir, read_tsv
from ..labels import organ_set
from .manifest import Case
from .templates import default_template

IMAGE_PLACEHOLDER = "<image>"


@cache
def _organ_names() -> dict[str, dict[str, str]]:
    return {row["organ"]: {"zh": row["zh"], "en": row["en"]} for row in read_tsv("organ_names.tsv")}


def default_prompt(language: str, n_images: int, organs="pet2rep") -> str:
    """The default user prompt: instructions, one <image> placeholder per image, the organ list
    (from the organ set) and the structured whole-body template."""
    text = (lexicon_dir() / f"prompt_{language}.txt").read_text(encoding="utf-8")
    names = _organ_names()
    separator = "、" if language == "zh" else ", "
    organ_list = separator.join(names[o][language] for o in organ_set(organs))
    return text.format(
        images="".join([IMAGE_PLACEHOLDER] * n_images),
        organs=organ_list,
        template=default_template(language),
    ).strip()


def build_messages(case: Case, language: str = "zh") -> tuple[str | None, str]:
    """(system prompt, user text with <image> placeholders) for a case."""
    if case.prompt_user:
        user = case.prompt_user
        if IMAGE_PLACEHOLDER not in user:
            user = IMAGE_PLACEHOLDER * len(case.images) + user
        return case.prompt_system, user
    return case.prompt_system, default_prompt(case.language or language, len(case.images))


def template_from_prompt(prompt_user: str | None) -> str | None:
    """The example report inside a PET2Rep prompt (the text after its last <image> placeholder,
    from the first 影像所见/line that describes the brain), or None."""
    if not prompt_user:
        return None
    tail = prompt_user.split(IMAGE_PLACEHOLDER)[-1]
    match = re.search(r"(影像所见|禁食状态下|脑形态)", tail)
    return tail[match.start() :].strip() if match else None
