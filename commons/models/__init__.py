from .aggregates import FreshnessClock, SiteAggregate, SiteTermCount  # noqa: F401 - re-exported like every model
from .confirmations import (
    Answer, ChangeStatus, Confirmation, RecheckOptOut, RecheckReason, RecheckRequest, Via,
)
from .areas import Enclave, InnerAreaClass, Municipality, Province, Region
from .consultations import CommentKind, Consultation, ConsultationComment, ConsultationState
from .cooperatives import (
    Cooperative, CooperativeDigest, CooperativeInvitation, CooperativeMembership, LegalForm, MemberRole, Sector,
)
from .datasets import ImportRun, SourceDataset
from .idempotency import IdempotencyKey
from .notifications import Delivery, NoticeKind, SiteNotice, Subscription, SubscriptionKind
from .proposals import LegalInstrument, Proposal, ProposalStatus, ProposalSupport, ReuseCategory
from .pathways import Milestone, MilestoneDocument, Pathway, PathwayStep
from .sites import (
    Condition,
    ConfirmerRole,
    Freshness,
    LocationPrecision,
    Ownership,
    Photo,
    Site,
    SiteKind,
    SiteStatus,
    SiteSource,
)
from .staff import MunicipalityStaff

__all__ = [
    "Answer",
    "ChangeStatus",
    "Confirmation",
    "ConfirmerRole",
    "Freshness",
    "FreshnessClock",
    "RecheckOptOut",
    "RecheckReason",
    "RecheckRequest",
    "Via",
    "Delivery",
    "NoticeKind",
    "SiteNotice",
    "Subscription",
    "SubscriptionKind",
    "CommentKind",
    "Condition",
    "Consultation",
    "ConsultationComment",
    "ConsultationState",
    "Cooperative",
    "CooperativeDigest",
    "CooperativeInvitation",
    "CooperativeMembership",
    "Enclave",
    "IdempotencyKey",
    "ImportRun",
    "InnerAreaClass",
    "LegalForm",
    "LegalInstrument",
    "LocationPrecision",
    "MemberRole",
    "Municipality",
    "MunicipalityStaff",
    "Ownership",
    "Milestone",
    "MilestoneDocument",
    "Pathway",
    "PathwayStep",
    "Photo",
    "Proposal",
    "ProposalStatus",
    "ProposalSupport",
    "Province",
    "Region",
    "ReuseCategory",
    "Sector",
    "Site",
    "SourceDataset",
    "SiteKind",
    "SiteSource",
    "SiteStatus",
]
