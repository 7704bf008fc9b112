"""What the browser tests know of `minhchung serve --demo`'s data (server/demo.py): its accounts and areas."""

ADMIN = "admin@minhchung.local"
SUPERVISOR = "giamsat.hoabinh@minhchung.local"  # manager, limited to commune 99001
SUPERVISOR_NAME = "Giám sát Xã Hòa Bình (mẫu)"
VIEWER = "xem.tanlap@minhchung.local"  # viewer, limited to commune 99002
PROJECT_ID = 1
FORM = "gia_dinh_hoc_tap"  # the households' form: most submissions, with photos and locations
HOA_BINH, HOA_BINH_CODE = "Xã Hòa Bình (mẫu)", "99001"
TAN_LAP, TAN_LAP_CODE = "Xã Tân Lập (mẫu)", "99002"
