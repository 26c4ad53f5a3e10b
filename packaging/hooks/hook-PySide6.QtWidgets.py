# Override of PyInstaller's hook for this Qt module: the same collection, less the plugins
# qt_plugin_filter drops (see there why).
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from qt_plugin_filter import filtered_qt6_dependencies

hiddenimports, binaries, datas = filtered_qt6_dependencies(__file__)
