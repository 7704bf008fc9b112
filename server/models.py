"""Every model module, imported once so that the metadata (and Alembic) sees all tables."""

from .appusers import models as appusers  # noqa: F401
from .areas import models as areas  # noqa: F401
from .audit import models as audit  # noqa: F401
from .auth import models as auth  # noqa: F401
from .blobs import models as blobs  # noqa: F401
from .evidence import models as evidence  # noqa: F401
from .exports import models as exports  # noqa: F401
from .forms import models as forms  # noqa: F401
from .projects import models as projects  # noqa: F401
from .registries import models as registries  # noqa: F401
from .scoring import models as scoring  # noqa: F401
from .submissions import models as submissions  # noqa: F401
from .web import models as web  # noqa: F401
