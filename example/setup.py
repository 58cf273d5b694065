from setuptools import setup

setup(
    name="hello",
    version="1.0",
    description="Hello, packaged by vdist",
    packages=["hello"],
    entry_points={"console_scripts": ["hello = hello.main:main"]},
)
