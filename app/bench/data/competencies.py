"""Generator step "competency framework": the demo framework, grown to ``--competencies``.

The first 27 competencies are the demo framework's (framework/competencies.yaml); beyond that a
generated domain GX adds GX1, GX2, … with plain level texts, and every job role gets a profile
requiring a level of each (mostly 2–4). Loaded in a few statements by the competencies
feature's bulk loader; later steps use ``ctx.shared["codes"]``.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import delete

from app.bench.data.base import Context
from app.competencies.files import (
    CompetencySpec,
    DomainSpec,
    Framework,
    ProfileSpec,
    Text,
    parse_yaml,
)
from app.competencies.services import bulk_load_framework
from app.extensions import db

DEMO_FILE = Path(__file__).resolve().parents[3] / "framework" / "competencies.yaml"
EXTRA_DOMAIN = "GX"


def framework_of(n: int, rng) -> Framework:
    """The demo framework cut or grown to ``n`` competencies, with a profile per job role."""
    demo, problems = parse_yaml(DEMO_FILE.read_text(encoding="utf-8"), str(DEMO_FILE))
    if problems:
        raise RuntimeError(f"{DEMO_FILE}: {problems[0]}")
    n = max(1, n)
    competencies = demo.competencies[:n]
    used_domains = {c.domain for c in competencies}
    domains = [d for d in demo.domains if d.code in used_domains]
    extra = n - len(competencies)
    if extra > 0:
        domains.append(DomainSpec(EXTRA_DOMAIN, Text("扩展能力", "Extended"), len(demo.domains)))
        for index in range(1, extra + 1):
            competencies.append(
                CompetencySpec(
                    code=f"{EXTRA_DOMAIN}{index}",
                    domain=EXTRA_DOMAIN,
                    name=Text(f"扩展能力{index}", f"Extended competency {index}"),
                    description=Text(),
                    levels={level: Text(f"等级{level}", f"Level {level}") for level in range(1, 6)},
                    position=index - 1,
                )
            )
    codes = [c.code for c in competencies]
    profiles = []
    for profile in demo.profiles:
        levels = {code: profile.levels.get(code) or rng.choice((1, 2, 3, 3, 4)) for code in codes}
        profiles.append(ProfileSpec(profile.job_role, date(2000, 1, 1), levels))
    return Framework(demo.scale, domains, competencies, profiles)


def _clear_framework() -> None:
    """A database without people may still hold a framework: generated data replaces it."""
    from app.competencies import models

    for model in (
        models.CompetencyLevel,
        models.Evidence,
        models.RoleRequirement,
        models.RoleProfile,
        models.CompetencyVersion,
        models.Competency,
        models.CompetencyDomain,
        models.ProficiencyLevel,
    ):
        db.session.execute(delete(model))


def generate(ctx: Context) -> str:
    """Load the framework; hand its codes to the bank and the evidence steps."""
    framework = framework_of(ctx.params.competencies, ctx.rng("competency framework"))
    _clear_framework()
    bulk_load_framework(framework)
    ctx.shared["codes"] = [c.code for c in framework.competencies]
    return (
        f"{len(framework.competencies)} competencies in {len(framework.domains)} domains, "
        f"{len(framework.profiles)} role profiles"
    )


def levels(ctx: Context) -> str:
    """Generator step "competency levels": every person's level from the evidence written."""
    from app.competencies.services import recompute_all

    written = recompute_all(ctx.now)
    return f"{written} person × competency levels"
