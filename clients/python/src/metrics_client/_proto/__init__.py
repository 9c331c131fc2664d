"""Protocol buffer messages generated from the repository's proto/ (see tools/generate_protos.py)."""
