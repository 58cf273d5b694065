vdist_name=api\ service
vdist_profile=debian-bookworm
