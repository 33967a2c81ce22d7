"""Domain logic that handlers call: no request, no emit, plain values in and out."""
