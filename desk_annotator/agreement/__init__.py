"""Inter-coder agreement: pure functions over `AgreementData` (numpy; no I/O, no Qt).

`compute_agreement(data)` returns the JSON-able report of DESIGN §5;
`largest_disagreements(data)` lists the passages where coders part most.
"""

from desk_annotator.agreement.data import (
    AgreementData,
    DocUnits,
    SpanUnit,
    build_agreement_data,
)
from desk_annotator.agreement.disagreements import largest_disagreements
from desk_annotator.agreement.engine import compute_agreement

__all__ = [
    "AgreementData", "DocUnits", "SpanUnit", "build_agreement_data", "compute_agreement",
    "largest_disagreements",
]
