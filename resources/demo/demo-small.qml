// Studio Render small demo: 640x360, 30 fps, 60 frames (2 s), no audio. Made for fast
// tests: self-contained (no images or other files), and something moves across the screen
// on every frame, so neighbouring frames always differ.
//
// Every property is a pure function of `frame` (a Timeline driven by it, plus bindings).
// Fonts never change with `frame` (see the note in demo.qml).
//
// Original work, MIT licence (same as Studio Render). See resources/README.md.

import QtQuick
import QtQuick.Shapes
import QtQuick.Timeline

Rectangle {
    id: root

    width: 640
    height: 360
    color: "#0b0f22"

    property int frame: 0
    property real fps: 30
    property int durationInFrames: 60

    readonly property real t: frame / fps
    readonly property real u: frame / (durationInFrames - 1)   // 0 .. 1 over the clip

    readonly property color teal: "#2ec4b6"
    readonly property color amber: "#ffb547"
    readonly property color coral: "#ff6b6b"
    readonly property color violet: "#8a6bff"
    readonly property color mist: "#b8c0e0"

    function pad2(n) { return n < 10 ? "0" + n : "" + n }

    // Background: a diagonal gradient whose bright end sweeps left to right.
    Shape {
        anchors.fill: parent
        ShapePath {
            strokeColor: "transparent"
            fillGradient: RadialGradient {
                centerX: 80 + 480 * root.u
                centerY: 120
                centerRadius: 520
                focalX: centerX
                focalY: centerY
                GradientStop { position: 0.0; color: "#272c66" }
                GradientStop { position: 0.5; color: "#141938" }
                GradientStop { position: 1.0; color: "#0a0d1f" }
            }
            startX: 0; startY: 0
            PathLine { x: 640; y: 0 }
            PathLine { x: 640; y: 360 }
            PathLine { x: 0; y: 360 }
            PathLine { x: 0; y: 0 }
        }
    }

    // Vertical stripes scrolling left, 4 px per frame.
    Repeater {
        model: 12
        Rectangle {
            x: ((index * 64 - root.frame * 4) % 768 + 768) % 768 - 64
            width: 2; height: 360
            color: "#ffffff"
            opacity: 0.06
        }
    }

    // Logo: a ring with a play triangle, drawn with shapes; arcs spin around it.
    Item {
        id: logo
        x: 104; y: 120
        scale: 0
        rotation: -90

        Shape {
            ShapePath {
                strokeColor: "transparent"
                fillGradient: LinearGradient {
                    x1: -50; y1: -50; x2: 50; y2: 50
                    GradientStop { position: 0.0; color: root.violet }
                    GradientStop { position: 1.0; color: root.teal }
                }
                PathAngleArc { centerX: 0; centerY: 0; radiusX: 50; radiusY: 50; sweepAngle: 360 }
            }
            ShapePath {
                strokeColor: "transparent"
                fillColor: "#10142e"
                PathAngleArc { centerX: 0; centerY: 0; radiusX: 41; radiusY: 41; sweepAngle: 360 }
            }
            ShapePath {
                strokeColor: "#ffffff"
                strokeWidth: 6
                joinStyle: ShapePath.RoundJoin
                fillColor: "#ffffff"
                startX: -11; startY: -19
                PathLine { x: -11; y: 19 }
                PathLine { x: 21; y: 0 }
                PathLine { x: -11; y: -19 }
            }
        }
    }
    Shape {
        id: arcs
        opacity: 0
        ShapePath {
            strokeColor: root.teal
            strokeWidth: 5
            capStyle: ShapePath.RoundCap
            fillColor: "transparent"
            PathAngleArc {
                centerX: logo.x; centerY: logo.y; radiusX: 62; radiusY: 62
                startAngle: root.frame * 9; sweepAngle: 200
            }
        }
        ShapePath {
            strokeColor: root.amber
            strokeWidth: 4
            capStyle: ShapePath.RoundCap
            fillColor: "transparent"
            PathAngleArc {
                centerX: logo.x; centerY: logo.y; radiusX: 74; radiusY: 74
                startAngle: 120 - root.frame * 6; sweepAngle: 110
            }
        }
    }

    // Title and subtitle slide in from the right.
    Item {
        id: titleBlock
        property real slide: 420
        x: 196 + slide
        y: 76
        opacity: 0

        Text {
            id: title
            text: "STUDIO RENDER"
            color: "#ffffff"
            font.pixelSize: 36
            font.bold: true
            font.letterSpacing: 2
        }
        Rectangle {
            y: 52
            width: 120 + 160 * root.u
            height: 4
            radius: 2
            gradient: Gradient {
                orientation: Gradient.Horizontal
                GradientStop { position: 0.0; color: root.teal }
                GradientStop { position: 0.5; color: root.violet }
                GradientStop { position: 1.0; color: root.coral }
            }
        }
        Text {
            y: 66
            text: "Small demo  ·  640 x 360  ·  30 fps"
            color: root.mist
            font.pixelSize: 17
        }
    }

    // A comet crossing the whole screen, 11.5 px per frame, with a fading trail.
    Item {
        id: comet
        readonly property real cx: -30 + root.frame * 11.5
        readonly property real cy: 262 + 14 * Math.sin(root.t * 6)

        Shape {
            ShapePath {
                strokeColor: "transparent"
                fillGradient: LinearGradient {
                    x1: comet.cx - 220; y1: 0; x2: comet.cx; y2: 0
                    GradientStop { position: 0.0; color: "#00ffb547" }
                    GradientStop { position: 1.0; color: "#ccffb547" }
                }
                startX: comet.cx - 220; startY: comet.cy
                PathQuad {
                    x: comet.cx; y: comet.cy - 12
                    controlX: comet.cx - 90; controlY: comet.cy - 12
                }
                PathLine { x: comet.cx; y: comet.cy + 12 }
                PathQuad {
                    x: comet.cx - 220; y: comet.cy
                    controlX: comet.cx - 90; controlY: comet.cy + 12
                }
            }
        }
        Rectangle {
            x: comet.cx - 14; y: comet.cy - 14
            width: 28; height: 28; radius: 14
            color: "#fff3d6"
            border.color: root.amber
            border.width: 4
        }
    }

    // Dots bouncing in a row, each a little later than the one before.
    Repeater {
        model: 8
        Rectangle {
            readonly property real phase: root.t * 7 - index * 0.6
            x: 360 + index * 34
            y: 204 - 14 * Math.abs(Math.sin(phase))
            width: 12; height: 12; radius: 6
            color: [root.teal, root.violet, root.coral, root.amber][index % 4]
        }
    }

    // Progress bar and frame counter.
    Rectangle {
        x: 24; y: 326
        width: 592; height: 8; radius: 4
        color: "#22ffffff"
        Rectangle {
            width: Math.max(parent.height, parent.width * (root.frame + 1) / root.durationInFrames)
            height: parent.height
            radius: parent.radius
            color: root.teal
        }
    }
    Text {
        x: 24; y: 296
        text: "00:00:" + root.pad2(Math.floor(root.frame / 30)) + ":" + root.pad2(root.frame % 30)
        color: root.mist
        font.pixelSize: 16
    }
    Text {
        anchors.right: parent.right
        anchors.rightMargin: 24
        y: 296
        text: "frame " + (root.frame + 1) + " / " + root.durationInFrames
        color: root.mist
        font.pixelSize: 16
    }

    Timeline {
        enabled: true
        startFrame: 0
        endFrame: 60
        currentFrame: root.frame

        keyframeGroups: [
            KeyframeGroup {
                target: logo; property: "scale"
                Keyframe { frame: 0; value: 0.2 }
                Keyframe { frame: 16; value: 1; easing.type: Easing.OutBack; easing.overshoot: 2 }
            },
            KeyframeGroup {
                target: logo; property: "rotation"
                Keyframe { frame: 0; value: -90 }
                Keyframe { frame: 18; value: 0; easing.type: Easing.OutCubic }
            },
            KeyframeGroup {
                target: arcs; property: "opacity"
                Keyframe { frame: 0; value: 0 }
                Keyframe { frame: 12; value: 1; easing.type: Easing.OutQuad }
            },
            KeyframeGroup {
                target: titleBlock; property: "slide"
                Keyframe { frame: 0; value: 420 }
                Keyframe { frame: 4; value: 420 }
                Keyframe { frame: 24; value: 0; easing.type: Easing.OutCubic }
            },
            KeyframeGroup {
                target: titleBlock; property: "opacity"
                Keyframe { frame: 0; value: 0 }
                Keyframe { frame: 4; value: 0 }
                Keyframe { frame: 20; value: 1; easing.type: Easing.OutQuad }
            }
        ]
    }
}
