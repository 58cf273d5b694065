"""hello: the example application of vdist."""
