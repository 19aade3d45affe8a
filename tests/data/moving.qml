// A small, fast test scene: every frame differs, all motion is a function of `frame`.
import QtQuick
import QtQuick.Timeline

Rectangle {
    id: root
    width: 160
    height: 90
    color: "#202830"
    property int frame: 0
    property real fps: 30
    property int durationInFrames: 45

    Rectangle {
        id: box
        width: 24; height: 24; y: 33
        color: Qt.hsla(root.frame / root.durationInFrames, 0.7, 0.55, 1)
        rotation: root.frame * 8
    }
    Text {
        x: 4; y: 4
        text: "frame " + root.frame
        color: "white"
        font.pixelSize: 10
    }
    Timeline {
        enabled: true
        startFrame: 0
        endFrame: 44
        currentFrame: root.frame
        keyframeGroups: [
            KeyframeGroup {
                target: box; property: "x"
                Keyframe { frame: 0; value: 0 }
                Keyframe { frame: 44; value: 136; easing.type: Easing.InOutQuad }
            }
        ]
    }
}
