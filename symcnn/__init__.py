"""symcnn: exact, symbolic shapes, parameter counts and MACs of convolutional networks,
from a compact network language.

>>> import symcnn
>>> net = symcnn.parse("I(28,28,1) C(32,5) P(2) C(32,3) P(2) D(256) O(10)")
>>> int(net.params)
217706
"""

from .errors import DSLSyntaxError, LimitError, ShapeError, SymcnnError, SymcnnWarning
from .network import Network, load, parse

__version__ = "0.1.0"

__all__ = ["parse", "load", "Network", "SymcnnError", "DSLSyntaxError", "ShapeError",
           "LimitError", "SymcnnWarning", "__version__"]
