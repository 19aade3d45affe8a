"""The "Render on" rows of the output form: this computer or a cluster, and a connection test."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QWidget,
)

from studio_render.gui.background import BackgroundCalls
from studio_render.gui.cluster_tasks import ClusterTarget, describe_error, test_target

if TYPE_CHECKING:
    from studio_render.cluster.client import ClusterInfo

LOCAL, CLUSTER = "local", "cluster"


def _edit(name: str, placeholder: str, tip: str) -> QLineEdit:
    edit = QLineEdit()
    edit.setObjectName(name)
    edit.setPlaceholderText(placeholder)
    edit.setToolTip(tip)
    edit.setClearButtonEnabled(True)
    return edit


class RenderTargetForm(QObject):
    """Widgets choosing where renders run; :meth:`install` puts them in a form layout.

    The connection test runs in the thread pool; ``idle`` says when none is running.
    """

    targetChanged = Signal()
    idle = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        #: Seconds a connection (test or render) may take to answer.
        self.timeout_s = 10.0
        self._token: int | None = None
        self._calls = BackgroundCalls(self, describe_error)
        self._calls.done.connect(self._on_tested)
        self._calls.failed.connect(self._on_test_failed)
        self._calls.idle.connect(self.idle)

        self.combo = QComboBox()
        self.combo.setObjectName("renderOnCombo")
        self.combo.addItem("This computer", LOCAL)
        self.combo.addItem("Cluster", CLUSTER)
        self.combo.setToolTip("Render here, or send the chunks to a Dask cluster's workers")
        self.address_edit = _edit(
            "clusterAddressEdit", "tcp://HOST:8786",
            "The cluster's scheduler: tcp://HOST:PORT, or tls://HOST:PORT with certificates",
        )  # fmt: skip
        self.test_button = QPushButton("&Test Connection")
        self.test_button.setObjectName("testConnectionButton")
        self.test_button.setToolTip("Connect to the cluster and count its workers and cores")
        self.status_label = QLabel()
        self.status_label.setObjectName("connectionStatusLabel")
        self.status_label.setWordWrap(True)
        self.status_label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        self.status_label.setTextFormat(Qt.TextFormat.PlainText)
        self.status_label.setToolTip("What the last connection test found")
        self.tls_button = QToolButton()
        self.tls_button.setObjectName("tlsButton")
        self.tls_button.setText("Certificates")
        self.tls_button.setCheckable(True)
        self.tls_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.tls_button.setToolTip("Certificate files for a tls:// cluster (optional)")
        self.ca_edit = _edit("tlsCaEdit", "CA certificate (PEM)", "The cluster's CA certificate")
        self.cert_edit = _edit("tlsCertEdit", "This computer's certificate (PEM)",
                               "The certificate this computer presents")  # fmt: skip
        self.key_edit = _edit("tlsKeyEdit", "Its key (PEM; empty if in the certificate)",
                              "The certificate's private key")  # fmt: skip
        self._tls_edits = (self.ca_edit, self.cert_edit, self.key_edit)

        self.choice_row = QHBoxLayout()
        self.choice_row.addWidget(self.combo)
        self.choice_row.addWidget(self.address_edit, 1)
        self.choice_row.addStretch(0)
        self.buttons_row = QHBoxLayout()
        self.buttons_row.addWidget(self.test_button)
        self.buttons_row.addWidget(self.tls_button)
        self.buttons_row.addStretch(1)
        self.tls_box = QWidget()
        tls_form = QFormLayout(self.tls_box)
        tls_form.setContentsMargins(0, 0, 0, 0)
        for text, edit in zip(("CA:", "Certificate:", "Key:"), self._tls_edits, strict=True):
            tls_form.addRow(text, edit)
        self._layout: QFormLayout | None = None

        self.combo.currentIndexChanged.connect(self._on_edited)
        self.tls_button.toggled.connect(self._update_visibility)
        self.test_button.clicked.connect(self.test_connection)
        for edit in (self.address_edit, *self._tls_edits):
            edit.textChanged.connect(self._on_edited)
        self._update_visibility()

    def install(self, layout: QFormLayout, row: int) -> None:
        """Insert the rows into ``layout`` at ``row``."""
        label = QLabel("Ren&der on:")
        label.setBuddy(self.combo)
        layout.insertRow(row, label, self.choice_row)
        layout.insertRow(row + 1, "", self.buttons_row)
        layout.insertRow(row + 2, "", self.status_label)
        layout.insertRow(row + 3, "", self.tls_box)
        self._layout = layout
        self._update_visibility()

    # -- state --------------------------------------------------------------------------

    @property
    def on_cluster(self) -> bool:
        return bool(self.combo.currentData() == CLUSTER)

    @property
    def busy(self) -> bool:
        """A connection test is running."""
        return self._calls.busy

    def cluster_target(self) -> ClusterTarget:
        """The cluster as entered (whether or not it is chosen)."""
        ca, cert, key = (edit.text().strip() for edit in self._tls_edits)
        return ClusterTarget(self.address_edit.text().strip(), ca, cert, key, self.timeout_s)

    def target(self) -> ClusterTarget | None:
        """Where renders run: the cluster, or None for this computer."""
        return self.cluster_target() if self.on_cluster else None

    def values(self) -> tuple[str, dict[str, str]]:
        """What settings keep: the choice, and the address and certificate files."""
        t = self.cluster_target()
        return str(self.combo.currentData()), {
            "address": t.address, "ca_file": t.ca_file, "cert": t.cert, "key": t.key
        }  # fmt: skip

    def restore(self, render_on: str, cluster: dict[str, str]) -> None:
        self.address_edit.setText(cluster.get("address", ""))
        for key, edit in zip(("ca_file", "cert", "key"), self._tls_edits, strict=True):
            edit.setText(cluster.get(key, ""))
        self.tls_button.setChecked(any(edit.text() for edit in self._tls_edits))
        self.combo.setCurrentIndex(max(0, self.combo.findData(render_on)))

    def set_locked(self, locked: bool) -> None:
        """No changes during a render (the connection can still be tested)."""
        for widget in (self.combo, self.address_edit, *self._tls_edits):
            widget.setEnabled(not locked)

    def _update_visibility(self) -> None:
        cluster = self.on_cluster
        self.address_edit.setVisible(cluster)
        self.tls_button.setArrowType(
            Qt.ArrowType.DownArrow if self.tls_button.isChecked() else Qt.ArrowType.RightArrow
        )
        if self._layout is not None:
            self._layout.setRowVisible(self.buttons_row, cluster)
            self._layout.setRowVisible(
                self.status_label, cluster and bool(self.status_label.text())
            )
            self._layout.setRowVisible(self.tls_box, cluster and self.tls_button.isChecked())

    def _on_edited(self) -> None:
        """A new question: forget the answer to the old one."""
        self._token = None
        self.test_button.setEnabled(True)
        self._show_status("")
        self.targetChanged.emit()

    # -- the connection test ------------------------------------------------------------

    def test_connection(self) -> None:
        """Test the cluster in the thread pool; the status label shows the answer."""
        target = self.cluster_target()
        self.test_button.setEnabled(False)
        self._show_status(f"Connecting to {target.address or 'the cluster'}…")
        self._token = self._calls.submit(partial(test_target, target))

    def _on_tested(self, token: int, info: ClusterInfo) -> None:
        if token == self._token:
            self._answer(f"✓ Connected: {info.describe()}")

    def _on_test_failed(self, token: int, message: str) -> None:
        if token == self._token:
            self._answer(f"✗ {message[:1].upper()}{message[1:]}")

    def _answer(self, text: str) -> None:
        self._token = None
        self.test_button.setEnabled(True)
        self._show_status(text)

    def _show_status(self, text: str) -> None:
        self.status_label.setText(text)
        self.status_label.setToolTip(text or "What the last connection test found")
        self._update_visibility()
