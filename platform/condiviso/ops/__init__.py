"""Operations: health probes, logging with tenant and request id."""
