"""The sources tree: all sounds, Generated, each library as a folder tree, collections, favourites, recent.

Folders below a root are listed when first expanded, one directory at a time, so a library of
thousands of folders costs nothing until it is browsed.
"""

from __future__ import annotations

import os

from PyQt6.QtCore import QAbstractItemModel, QModelIndex, Qt
from PyQt6.QtWidgets import QStyledItemDelegate

from soundloom.desktop import theme
from soundloom.desktop.query import ALL, COLLECTION, FAVOURITES, FOLDER, RECENT, Scope
from soundloom.desktop.results import display


class Node:
    def __init__(self, label: str, scope: Scope | None, parent: "Node | None" = None, folder: str | None = None,
                 hint: str = ""):
        self.label, self.scope, self.parent, self.folder, self.hint = label, scope, parent, folder, hint
        self.children: list[Node] = []
        self.fetched = folder is None  # a folder node lists its subfolders when first expanded

    def add(self, child: "Node") -> "Node":
        child.parent = self
        self.children.append(child)
        return child

    def row(self) -> int:
        return self.parent.children.index(self) if self.parent else 0


def subfolders(folder: str) -> list[str]:
    """Visible subfolders of `folder`, by name; links are not followed, so a link loop cannot recurse."""
    try:
        with os.scandir(folder) as entries:
            found = [e.path for e in entries if not e.name.startswith(".") and e.is_dir(follow_symlinks=False)]
    except OSError:
        return []
    return sorted(found, key=lambda p: os.path.basename(p).casefold())


class SourcesModel(QAbstractItemModel):
    ScopeRole = Qt.ItemDataRole.UserRole + 1
    HintRole = Qt.ItemDataRole.UserRole + 2  # a count or state drawn dimmed at the right

    def __init__(self, parent=None):
        super().__init__(parent)
        self.root = Node("", None)
        self.set_sources([], [])

    def set_sources(self, roots: list, collections: list) -> None:
        """Rebuild from LibraryIndex.roots() and .collections()."""
        self.beginResetModel()
        self.root = Node("", None)
        self.root.add(Node("All sounds", Scope(ALL)))
        libraries = []
        for root in roots:
            hint = (f"{root.files:,}" if root.files else "") if getattr(root, "present", True) else "missing"
            node = Node(display(root.name), Scope(FOLDER, root.path), folder=root.path, hint=hint)
            if root.kind == "generated":
                node.label = "Generated"
                self.root.add(node)
            else:
                libraries.append(node)
        header = self.root.add(Node("Libraries", None))
        for node in libraries:
            header.add(node)
        header = self.root.add(Node("Collections", None))
        for collection in collections:
            name, count = (collection if isinstance(collection, tuple) else (getattr(collection, "name", collection), None))
            header.add(Node(display(str(name)), Scope(COLLECTION, str(name)), hint=f"{count:,}" if count else ""))
        self.root.add(Node("Favourites", Scope(FAVOURITES)))
        self.root.add(Node("Recent", Scope(RECENT)))
        self.endResetModel()

    def node(self, index: QModelIndex) -> Node:
        return index.internalPointer() if index.isValid() else self.root

    def headers(self) -> list[QModelIndex]:
        """The section headers (Libraries, Collections), which the view shows expanded."""
        return [self.index(row, 0) for row, node in enumerate(self.root.children) if node.scope is None]

    def index_of_scope(self, scope: Scope) -> QModelIndex:
        """The index showing `scope` among the nodes created so far (invalid if none)."""
        stack = [(self.root, QModelIndex())]
        while stack:
            node, index = stack.pop()
            for row, child in enumerate(node.children):
                child_index = self.index(row, 0, index)
                if child.scope == scope:
                    return child_index
                stack.append((child, child_index))
        return QModelIndex()

    def index(self, row: int, column: int, parent=QModelIndex()) -> QModelIndex:
        node = self.node(parent)
        if column != 0 or not 0 <= row < len(node.children):
            return QModelIndex()
        return self.createIndex(row, 0, node.children[row])

    def parent(self, index=QModelIndex()) -> QModelIndex:
        if not index.isValid():
            return QModelIndex()
        parent = index.internalPointer().parent
        if parent is None or parent is self.root:
            return QModelIndex()
        return self.createIndex(parent.row(), 0, parent)

    def rowCount(self, parent=QModelIndex()) -> int:
        if parent.column() > 0:
            return 0
        return len(self.node(parent).children)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 1

    def hasChildren(self, parent=QModelIndex()) -> bool:
        node = self.node(parent)
        return bool(node.children) or not node.fetched

    def canFetchMore(self, parent: QModelIndex) -> bool:
        return not self.node(parent).fetched

    def fetchMore(self, parent: QModelIndex) -> None:
        node = self.node(parent)
        if node.fetched:
            return
        node.fetched = True
        folders = subfolders(node.folder)
        if not folders:
            return
        self.beginInsertRows(parent, 0, len(folders) - 1)
        for folder in folders:
            node.add(Node(display(os.path.basename(folder)), Scope(FOLDER, folder), folder=folder))
        self.endInsertRows()

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        node = self.node(index)
        if role == Qt.ItemDataRole.DisplayRole:
            return node.label
        if role == self.HintRole:
            return node.hint
        if role == Qt.ItemDataRole.ToolTipRole and node.folder:
            return display(node.folder)
        if role == Qt.ItemDataRole.ForegroundRole and node.scope is None:
            return theme.DIM_TEXT
        if role == self.ScopeRole:
            return node.scope
        return None

    def flags(self, index: QModelIndex):
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        if self.node(index).scope is None:  # section headers
            return Qt.ItemFlag.ItemIsEnabled
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable


class SourcesDelegate(QStyledItemDelegate):
    """Draws each source's hint (file count, "missing") right-aligned and dimmed."""

    def paint(self, painter, option, index) -> None:
        super().paint(painter, option, index)
        hint = index.data(SourcesModel.HintRole)
        if hint:
            painter.save()
            painter.setPen(theme.DIM_TEXT)
            painter.drawText(option.rect.adjusted(0, 0, -8, 0),
                             Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, hint)
            painter.restore()
