// A Canvas repainted for every frame: a growing arc and a moving dot.
import QtQuick

Rectangle {
    id: root
    width: 640; height: 360
    color: "#22223b"
    property int frame: 0
    property real fps: 30
    property int durationInFrames: 24
    onFrameChanged: canvas.requestPaint()

    Canvas {
        id: canvas
        anchors.fill: parent
        onPaint: {
            var ctx = getContext("2d");
            ctx.reset();
            ctx.lineWidth = 10;
            ctx.strokeStyle = "#f2e9e4";
            ctx.beginPath();
            ctx.arc(90, 90, 60, 0, Math.PI * 2 * (root.frame + 1) / root.durationInFrames);
            ctx.stroke();
            ctx.fillStyle = "#c9ada7";
            ctx.fillRect(170 + root.frame * 4, 60, 40, 60);
        }
    }
}
