"""broken: would print a line if its setup.py could ever be built."""


def main():
    print("broken: this should never have been packaged")
    return 0
