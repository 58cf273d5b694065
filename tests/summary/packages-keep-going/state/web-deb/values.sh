vdist_name=web\ ::\ deb
vdist_profile=debian-bookworm
