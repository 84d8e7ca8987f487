"""Import every model so that SQLAlchemy's metadata (and Alembic) sees the whole schema."""

from campaigns.bulletins.models import Bulletin
from campaigns.campaigns.models import Campaign, CampaignCategory
from campaigns.imports.models import LedgerImport
from campaigns.items.models import (
    EnforcementAction,
    Evidence,
    ExtensionRequest,
    Item,
    TimelineEntry,
    Transfer,
)
from campaigns.notifications.models import Notification
from campaigns.reviews.models import Review, ReviewCheck
from campaigns.targets.models import Target
from campaigns.teams.models import Team
from portal.accounts.models import ApiToken, LoginAttempt, PortalMeta, User, UserRole
from portal.audit.models import AuditEntry
from portal.directory.models import Agency, Region
from portal.scheduler.models import Heartbeat, JobRun

__all__ = [
    "Agency",
    "ApiToken",
    "AuditEntry",
    "Bulletin",
    "Campaign",
    "CampaignCategory",
    "EnforcementAction",
    "Evidence",
    "ExtensionRequest",
    "Heartbeat",
    "Item",
    "JobRun",
    "LedgerImport",
    "LoginAttempt",
    "Notification",
    "PortalMeta",
    "Region",
    "Review",
    "ReviewCheck",
    "Target",
    "Team",
    "TimelineEntry",
    "Transfer",
    "User",
    "UserRole",
]
