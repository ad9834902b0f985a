"""Operations: ``flask ops backup`` and ``flask ops restore`` (docs/operations.md)."""
