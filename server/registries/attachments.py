"""Registries as CSV form attachments for ODK Collect, cut to the areas an app user serves.

For the OpenRosa manifest and media download: a form's `select_one_from_file thon.csv` (or
ho_gia_dinh.csv, dong_ho.csv, don_vi.csv, cong_dan.csv; coord/scoring-format.md) is answered with
`registry_csv_for_actor(project_id, file_name, actor)`; None means "not a registry, look for an
uploaded attachment". Hash the bytes (MD5) for the manifest.
"""

from datetime import datetime, timedelta, timezone

from ..areas import queries as area_queries
from ..areas.service import actor_scope
from ..areas.tabular import hamlet_list_csv
from . import queries
from .tabular import entity_list_csv

HAMLETS_FILE = "thon.csv"
VIETNAM = timezone(timedelta(hours=7), "ICT")  # "today" for validity dates is Vietnam's day (no DST)


def registry_csv(project_id, file_name, within=None):
    """The CSV bytes of the registry `file_name` for project `project_id`'s forms, or None if it is none.

    - `thon.csv`: the hamlets valid today (from the areas, not a dataset): name (hamlet code), label, xa, huyen.
    - `<dataset name>.csv`: the dataset's live entities: name (UUID), label, __version, <properties>.

    :param within: None for everything; else the areas to cut to, as area ids or a SELECT of ids (an area
        covers everything below it: a commune its hamlets). Entities tied to no area are then left out.
    """
    if file_name == HAMLETS_FILE:
        return hamlet_list_csv(area_queries.list_hamlets(within, on=datetime.now(VIETNAM).date()))
    if not file_name.endswith(".csv"):
        return None
    dataset = queries.get_dataset(project_id, file_name[:-len(".csv")])
    if dataset is None:
        return None
    return entity_list_csv(queries.property_names(dataset.id), queries.entities_in_areas(dataset.id, within))


def registry_csv_for_actor(project_id, file_name, actor):
    """registry_csv as `actor` may see it: an app user with areas set, or a web user limited to areas in the
    project, gets those areas only; others get everything (as Central serves a dataset without an access
    filter)."""
    within = actor_scope(project_id, actor.id, actor.type) if actor is not None else None
    return registry_csv(project_id, file_name, within)
