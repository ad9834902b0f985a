"""Fixtures of the bank's Flask-side tests."""

import textwrap

import pytest

from app.bank import services


@pytest.fixture
def import_yaml(app):
    """Import YAML text through the real service: ``import_yaml(text, name=..., **options)``."""

    def run(text: str, name: str = "topic.yaml", **options):
        with app.app_context():
            source = services.decode_source(textwrap.dedent(text).encode("utf-8"), name)
            return services.import_questions(None, [source], **options)

    return run


@pytest.fixture
def exported(app):
    """The bank's latest versions as QuestionData, in export order."""

    def run(category=None):
        with app.app_context():
            return services.export_questions(category)

    return run
