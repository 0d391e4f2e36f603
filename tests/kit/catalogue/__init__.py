"""The mistake catalogue and the correct-variant catalogue: the kit's proof of its own
discriminating power.

Each entry is a small edit of the reference solution, kept as data (`mistakes.py`,
`variants.py`). A mistake names the stage that must fail first and the diagnosis the student must
see there; a variant is a correct solution written differently, which must pass. `evaluate.py`
grades every entry; `python -m tests.kit.catalogue` prints the catch rate, the false-fail rate
and the number of distinct diagnoses.
"""

from tests.kit.catalogue.entries import Mistake, Variant
from tests.kit.catalogue.mistakes import MISTAKES
from tests.kit.catalogue.variants import VARIANTS

__all__ = ["MISTAKES", "VARIANTS", "Mistake", "Variant"]
