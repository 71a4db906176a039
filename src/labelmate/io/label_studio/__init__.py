"""Label Studio formats: JSON task lists and exports, JSON_MIN, CSV/TSV and TXT task lists.

Readers return regions in pixels (percent exists only in the files); writers emit
what Label Studio imports and exports. See formats.md §2–§3 and §8.
"""

from labelmate.io.label_studio.read_json import read_label_studio_json
from labelmate.io.label_studio.read_tabular import read_csv, read_txt
from labelmate.io.label_studio.results import region_to_result, region_to_results, result_to_region
from labelmate.io.label_studio.write import write_ls_csv, write_ls_json, write_ls_min

__all__ = [
    "read_csv",
    "read_label_studio_json",
    "read_txt",
    "region_to_result",
    "region_to_results",
    "result_to_region",
    "write_ls_csv",
    "write_ls_json",
    "write_ls_min",
]
