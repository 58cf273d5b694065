"""fixedit: an editable install through a finder module."""


def main():
    print("fixedit-cli ok " + __file__)
