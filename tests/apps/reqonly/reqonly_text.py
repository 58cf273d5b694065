"""reqonly_text: formatting helper of the reqonly fixture app."""


def banner(greeting, lib_version):
    return "reqonly: {} (greetlib {})".format(greeting, lib_version)
