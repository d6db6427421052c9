from setuptools import setup

setup(name={{ cookiecutter.name | jsonify }}, version="0.1.0")
# {{ cookiecutter.name.upper() }}
