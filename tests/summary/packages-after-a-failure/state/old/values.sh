vdist_name=old\ build
vdist_profile=debian-bullseye
