"""The registered scenarios, in the order of the output: import a module here to add one."""

from bench.scenarios import ceilings, web, attempts, gift_import, item_analysis  # noqa: F401, I001
from bench.scenarios import competencies, hr_reports, exam  # noqa: F401, I001
