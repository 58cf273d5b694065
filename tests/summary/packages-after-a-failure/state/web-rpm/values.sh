vdist_name=web\ ::\ rpm
vdist_profile=rocky-9
