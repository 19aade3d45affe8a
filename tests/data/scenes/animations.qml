// Time-driven Qt Quick animation: NumberAnimation, Behavior, SequentialAnimation.
// Frames depend on the animation clock, not only on `frame`.
import QtQuick

Rectangle {
    id: root
    width: 640; height: 360
    color: "#0b132b"
    property int frame: 0
    property real fps: 30
    property int durationInFrames: 40

    Rectangle {
        width: 40; height: 40; y: 20; color: "#5bc0be"
        NumberAnimation on x { from: 0; to: 280; duration: 900; loops: Animation.Infinite;
                               easing.type: Easing.InOutQuad }
    }
    Rectangle {
        width: 40; height: 40; y: 70; color: "#ffb703"
        x: (root.frame % 10) * 28
        Behavior on x { NumberAnimation { duration: 200 } }
    }
    Rectangle {
        id: pulse
        width: 60; height: 40; x: 130; y: 125; radius: 8
        SequentialAnimation on color {
            loops: Animation.Infinite
            ColorAnimation { to: "#e63946"; duration: 300 }
            ColorAnimation { to: "#a8dadc"; duration: 500 }
        }
        RotationAnimation on rotation { from: 0; to: 360; duration: 1200; loops: Animation.Infinite }
    }
}
