# The package carries libGeoKitC.so when one was copied in (scripts/build-python-wheel.sh):
# the wheel is then platform-specific (linux_x86_64), not py3-none-any.
from setuptools import setup
from setuptools.dist import Distribution


class BinaryDistribution(Distribution):
    def has_ext_modules(self):
        return True


setup(distclass=BinaryDistribution)
