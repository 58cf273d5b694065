MAPPING: dict[str, str] = {'fixedit': '/vdist-old/venv/src/fixedit/fixedit', "q": "/vdist-old/venv/x\\y"}
NAMESPACES = {}
