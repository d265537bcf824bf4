"""Result pages -> warehouse rows: the normalizer, its worker process, fitting, hashing, drift, PII and COPY text."""
