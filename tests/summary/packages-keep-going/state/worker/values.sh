vdist_name=worker
vdist_profile=ubuntu-noble
