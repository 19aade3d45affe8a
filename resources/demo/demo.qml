// Studio Render demo: a 10-second 1920x1080 title card.
//
// Render contract: the renderer sets `frame` (0 .. durationInFrames - 1) and grabs the
// window. Everything on screen is a pure function of `frame`: a Timeline driven by it plus
// plain bindings on it. No timers, no animations that run on their own, nothing random,
// so any frame renders the same whether it comes first or after all the others.
// Fonts are also fixed from the first frame: with Qt 6.11's software renderer, switching a
// Text's font (e.g. `font.bold` bound to `frame`) mid-sequence changed how other text with
// the same family rasterised afterwards, so frames depended on what was rendered before.
//
// Original work, MIT licence (same as Studio Render). See resources/README.md.

import QtQuick
import QtQuick.Shapes
import QtQuick.Timeline

Rectangle {
    id: root

    width: 1920
    height: 1080
    color: "#0b0f22"

    property int frame: 0
    property real fps: 30
    property int durationInFrames: 300
    property string audio: "demo-audio.m4a"

    // Seconds since the start, derived from `frame` only.
    readonly property real t: frame / fps

    readonly property color teal: "#2ec4b6"
    readonly property color amber: "#ffb547"
    readonly property color coral: "#ff6b6b"
    readonly property color violet: "#8a6bff"
    readonly property color mist: "#b8c0e0"

    readonly property string titleText: "STUDIO RENDER"
    readonly property string subtitleText: "Frame-perfect motion graphics, rendered in parallel."

    // Centre of the logo and its orbiting arcs.
    readonly property real logoX: 960
    readonly property real logoY: 288 + 6 * Math.sin(t * 1.3)

    function clamp01(x) { return Math.max(0, Math.min(1, x)) }
    // 0 before frame `from`, 1 after frame `to`, linear between.
    function progress(from, to) { return clamp01((root.frame - from) / (to - from)) }
    function easeOutCubic(x) { return 1 - Math.pow(1 - x, 3) }
    function easeInOutSine(x) { return -(Math.cos(Math.PI * x) - 1) / 2 }
    function mix(a, b, k) {
        return Qt.rgba(a.r + (b.r - a.r) * k, a.g + (b.g - a.g) * k,
                       a.b + (b.b - a.b) * k, a.a + (b.a - a.a) * k)
    }
    function pad2(n) { return n < 10 ? "0" + n : "" + n }
    function timecode(f) {
        var fr = f % 30, s = Math.floor(f / 30)
        return "00:" + pad2(Math.floor(s / 60)) + ":" + pad2(s % 60) + ":" + pad2(fr)
    }

    // ---------------------------------------------------------------- background
    // A soft radial glow that drifts slowly behind everything.
    Shape {
        anchors.fill: parent
        ShapePath {
            strokeColor: "transparent"
            fillGradient: RadialGradient {
                centerX: 960 + 240 * Math.sin(root.t * 0.45)
                centerY: 430 + 70 * Math.cos(root.t * 0.38)
                centerRadius: 1150
                focalX: centerX
                focalY: centerY
                GradientStop { position: 0.0; color: "#262a63" }
                GradientStop { position: 0.42; color: "#151a3d" }
                GradientStop { position: 1.0; color: "#0a0d1f" }
            }
            startX: 0; startY: 0
            PathLine { x: 1920; y: 0 }
            PathLine { x: 1920; y: 1080 }
            PathLine { x: 0; y: 1080 }
            PathLine { x: 0; y: 0 }
        }
    }

    // A faint grid sliding slowly to the left.
    Item {
        id: grid
        anchors.fill: parent
        opacity: 0.0
        readonly property real cell: 96
        readonly property real shift: (root.frame * 0.8) % cell
        Repeater {
            model: 22
            Rectangle {
                x: index * grid.cell - grid.shift
                width: 1; height: 1080
                color: "#ffffff"
                opacity: 0.05
            }
        }
        Repeater {
            model: 12
            Rectangle {
                y: index * grid.cell + 12
                width: 1920; height: 1
                color: "#ffffff"
                opacity: 0.05
            }
        }
    }

    // Motes drifting upwards; positions come from the index and the frame only.
    Repeater {
        model: 36
        Rectangle {
            readonly property real speed: 0.9 + (index % 5) * 0.35
            readonly property real size: 3 + (index * 7) % 6
            width: size; height: size; radius: size / 2
            x: (index * 263.7) % 1920 + 28 * Math.sin(root.t * 0.7 + index)
            y: 1100 - ((index * 137.3 + root.frame * speed) % 1180)
            color: [root.teal, root.violet, root.amber, root.mist][index % 4]
            opacity: 0.18 + 0.12 * (index % 3)
        }
    }

    // Two translucent waves rolling along the bottom edge.
    Shape {
        id: waves
        anchors.fill: parent
        readonly property real p: root.t * 1.1

        ShapePath {
            strokeColor: "transparent"
            fillGradient: LinearGradient {
                x1: 0; y1: 930; x2: 0; y2: 1080
                GradientStop { position: 0.0; color: "#552ec4b6" }
                GradientStop { position: 1.0; color: "#002ec4b6" }
            }
            startX: 0; startY: 980 + 30 * Math.sin(waves.p)
            PathCubic {
                x: 960; y: 990 + 25 * Math.sin(waves.p + 1.6)
                control1X: 320; control1Y: 930 + 45 * Math.sin(waves.p + 0.8)
                control2X: 640; control2Y: 1040 + 35 * Math.cos(waves.p + 1.1)
            }
            PathCubic {
                x: 1920; y: 970 + 30 * Math.cos(waves.p + 0.4)
                control1X: 1280; control1Y: 940 + 40 * Math.cos(waves.p + 2.2)
                control2X: 1600; control2Y: 1030 + 40 * Math.sin(waves.p + 2.9)
            }
            PathLine { x: 1920; y: 1080 }
            PathLine { x: 0; y: 1080 }
        }
        ShapePath {
            strokeColor: "transparent"
            fillGradient: LinearGradient {
                x1: 0; y1: 960; x2: 0; y2: 1080
                GradientStop { position: 0.0; color: "#448a6bff" }
                GradientStop { position: 1.0; color: "#008a6bff" }
            }
            startX: 0; startY: 1010 + 25 * Math.cos(waves.p * 0.8)
            PathCubic {
                x: 960; y: 1000 + 30 * Math.cos(waves.p * 0.8 + 2.0)
                control1X: 300; control1Y: 1060 + 30 * Math.sin(waves.p * 0.8 + 1.2)
                control2X: 660; control2Y: 950 + 35 * Math.sin(waves.p * 0.8 + 0.3)
            }
            PathCubic {
                x: 1920; y: 1015 + 25 * Math.sin(waves.p * 0.8 + 1.4)
                control1X: 1260; control1Y: 1050 + 35 * Math.cos(waves.p * 0.8 + 2.6)
                control2X: 1620; control2Y: 960 + 30 * Math.cos(waves.p * 0.8 + 0.9)
            }
            PathLine { x: 1920; y: 1080 }
            PathLine { x: 0; y: 1080 }
        }
    }

    // ---------------------------------------------------------------- foreground
    // Everything below fades out together at the end.
    Item {
        id: content
        anchors.fill: parent

        // Corner captions.
        Text {
            id: cornerLeft
            x: 72; y: 56
            text: "STUDIO RENDER  /  DEMO"
            color: root.mist
            font.pixelSize: 22
            font.letterSpacing: 5
            opacity: 0
        }
        Text {
            id: cornerRight
            anchors.right: parent.right
            anchors.rightMargin: 72
            y: 56
            text: "1920 × 1080  ·  30 FPS"
            color: root.mist
            font.pixelSize: 22
            font.letterSpacing: 5
            opacity: 0
        }

        // Orbiting arcs and a dotted ring around the logo.
        Shape {
            id: orbits
            anchors.fill: parent

            ShapePath {
                id: dottedRing
                strokeColor: "#66b8c0e0"
                strokeWidth: 3
                strokeStyle: ShapePath.DashLine
                dashPattern: [0.5, 5]
                capStyle: ShapePath.RoundCap
                fillColor: "transparent"
                PathAngleArc {
                    centerX: root.logoX; centerY: root.logoY
                    radiusX: 212; radiusY: 212
                    startAngle: -root.frame * 0.25
                    sweepAngle: 360
                }
            }
            ShapePath {
                strokeColor: root.teal
                strokeWidth: 8
                capStyle: ShapePath.RoundCap
                fillColor: "transparent"
                PathAngleArc {
                    id: arcA
                    centerX: root.logoX; centerY: root.logoY
                    radiusX: 142; radiusY: 142
                    startAngle: -90 + root.frame * 1.2
                    sweepAngle: 0
                }
            }
            ShapePath {
                strokeColor: root.amber
                strokeWidth: 6
                capStyle: ShapePath.RoundCap
                fillColor: "transparent"
                PathAngleArc {
                    id: arcB
                    centerX: root.logoX; centerY: root.logoY
                    radiusX: 166; radiusY: 166
                    startAngle: 60 - root.frame * 0.8
                    sweepAngle: 0
                }
            }
            ShapePath {
                strokeColor: root.coral
                strokeWidth: 4
                capStyle: ShapePath.RoundCap
                fillColor: "transparent"
                PathAngleArc {
                    id: arcC
                    centerX: root.logoX; centerY: root.logoY
                    radiusX: 190; radiusY: 190
                    startAngle: 200 + root.frame * 0.5
                    sweepAngle: 0
                }
            }
        }

        Image {
            id: logo
            source: "logo.png"
            width: 252; height: 252
            x: root.logoX - width / 2
            y: root.logoY - height / 2
            smooth: true
            mipmap: true
            scale: 0
            rotation: -120
            opacity: 0
        }

        // Title: letters rise one after another from behind an invisible edge.
        Item {
            id: titleMask
            anchors.horizontalCenter: parent.horizontalCenter
            y: 508
            width: titleRow.width + 40
            height: 150
            clip: true

            Row {
                id: titleRow
                x: 20
                spacing: 6
                Repeater {
                    model: root.titleText.split("")
                    // A wrapper keeps its place in the Row while its letter is invisible.
                    Item {
                        readonly property real k:
                            root.easeOutCubic(root.progress(34 + index * 2, 58 + index * 2))
                        // "RENDER" shades from violet to teal, letter by letter.
                        readonly property real shade: index > 6 ? (index - 7) / 5 : -1
                        width: letter.implicitWidth
                        height: 150
                        Text {
                            id: letter
                            text: modelData
                            y: 4 + 150 * (1 - parent.k)
                            opacity: parent.k
                            color: parent.shade < 0
                                   ? "#ffffff"
                                   : root.mix(Qt.lighter(root.violet, 1.35),
                                              Qt.lighter(root.teal, 1.2), parent.shade)
                            font.pixelSize: 118
                            font.bold: true
                        }
                    }
                }
            }
        }

        Rectangle {
            id: accent
            anchors.horizontalCenter: parent.horizontalCenter
            y: 668
            width: 0
            height: 6
            radius: 3
            gradient: Gradient {
                orientation: Gradient.Horizontal
                GradientStop { position: 0.0; color: root.teal }
                GradientStop { position: 0.5; color: root.violet }
                GradientStop { position: 1.0; color: root.coral }
            }
        }

        Text {
            id: subtitle
            property real rise: 24
            property real tracking: 8
            anchors.horizontalCenter: parent.horizontalCenter
            y: 706 + rise
            text: root.subtitleText
            color: root.mist
            font.pixelSize: 40
            font.letterSpacing: tracking
            opacity: 0
        }

        // "Six chunks rendering in parallel": staggered progress bars.
        Item {
            id: panel
            property real rise: 40
            x: 320
            y: 846 + rise
            width: 1280
            height: 80
            opacity: 0

            readonly property var starts: [108, 118, 112, 126, 116, 130]
            readonly property var ends: [205, 236, 214, 250, 226, 258]
            readonly property var colors: [root.teal, root.amber, root.coral,
                                           root.violet, root.teal, root.amber]
            readonly property real overall: {
                var sum = 0
                for (var i = 0; i < 6; ++i)
                    sum += root.easeInOutSine(root.progress(starts[i], ends[i]))
                return sum / 6
            }

            Text {
                text: root.frame >= 258 ? "RENDER COMPLETE"
                                        : "RENDERING  ·  6 CHUNKS IN PARALLEL"
                color: root.frame >= 258 ? root.teal : root.mist
                font.pixelSize: 22
                font.letterSpacing: 4
            }
            Text {
                anchors.right: parent.right
                text: root.timecode(root.frame) + "     " + Math.round(panel.overall * 100) + "%"
                color: root.mist
                font.pixelSize: 22
                font.letterSpacing: 3
            }
            Row {
                y: 48
                spacing: 16
                Repeater {
                    model: 6
                    Rectangle {
                        width: (1280 - 5 * 16) / 6
                        height: 12
                        radius: 6
                        color: "#1fffffff"
                        Rectangle {
                            height: parent.height
                            radius: parent.radius
                            width: Math.max(parent.height, parent.width *
                                   root.easeInOutSine(root.progress(panel.starts[index],
                                                                    panel.ends[index])))
                            visible: root.frame > panel.starts[index]
                            color: panel.colors[index]
                        }
                    }
                }
            }
        }
    }

    // ---------------------------------------------------------------- timeline
    Timeline {
        enabled: true
        startFrame: 0
        endFrame: 300
        currentFrame: root.frame

        keyframeGroups: [
            KeyframeGroup {
                target: grid; property: "opacity"
                Keyframe { frame: 0; value: 0 }
                Keyframe { frame: 30; value: 1; easing.type: Easing.InOutQuad }
            },
            KeyframeGroup {
                target: cornerLeft; property: "opacity"
                Keyframe { frame: 0; value: 0 }
                Keyframe { frame: 18; value: 0 }
                Keyframe { frame: 44; value: 0.8; easing.type: Easing.OutCubic }
            },
            KeyframeGroup {
                target: cornerRight; property: "opacity"
                Keyframe { frame: 0; value: 0 }
                Keyframe { frame: 24; value: 0 }
                Keyframe { frame: 50; value: 0.8; easing.type: Easing.OutCubic }
            },
            KeyframeGroup {
                target: logo; property: "scale"
                Keyframe { frame: 0; value: 0 }
                Keyframe { frame: 6; value: 0 }
                Keyframe { frame: 36; value: 1; easing.type: Easing.OutBack; easing.overshoot: 2.2 }
            },
            KeyframeGroup {
                target: logo; property: "rotation"
                Keyframe { frame: 0; value: -120 }
                Keyframe { frame: 6; value: -120 }
                Keyframe { frame: 40; value: 0; easing.type: Easing.OutCubic }
            },
            KeyframeGroup {
                target: logo; property: "opacity"
                Keyframe { frame: 0; value: 0 }
                Keyframe { frame: 6; value: 0 }
                Keyframe { frame: 18; value: 1; easing.type: Easing.OutQuad }
            },
            KeyframeGroup {
                target: arcA; property: "sweepAngle"
                Keyframe { frame: 0; value: 0 }
                Keyframe { frame: 12; value: 0 }
                Keyframe { frame: 48; value: 250; easing.type: Easing.OutCubic }
            },
            KeyframeGroup {
                target: arcB; property: "sweepAngle"
                Keyframe { frame: 0; value: 0 }
                Keyframe { frame: 18; value: 0 }
                Keyframe { frame: 54; value: 150; easing.type: Easing.OutCubic }
            },
            KeyframeGroup {
                target: arcC; property: "sweepAngle"
                Keyframe { frame: 0; value: 0 }
                Keyframe { frame: 24; value: 0 }
                Keyframe { frame: 62; value: 95; easing.type: Easing.OutCubic }
            },
            KeyframeGroup {
                target: orbits; property: "opacity"
                Keyframe { frame: 0; value: 0 }
                Keyframe { frame: 10; value: 0 }
                Keyframe { frame: 30; value: 1; easing.type: Easing.OutQuad }
            },
            KeyframeGroup {
                target: accent; property: "width"
                Keyframe { frame: 0; value: 0 }
                Keyframe { frame: 62; value: 0 }
                Keyframe { frame: 94; value: 560; easing.type: Easing.InOutCubic }
            },
            KeyframeGroup {
                target: subtitle; property: "opacity"
                Keyframe { frame: 0; value: 0 }
                Keyframe { frame: 78; value: 0 }
                Keyframe { frame: 108; value: 1; easing.type: Easing.OutCubic }
            },
            KeyframeGroup {
                target: subtitle; property: "rise"
                Keyframe { frame: 0; value: 24 }
                Keyframe { frame: 78; value: 24 }
                Keyframe { frame: 112; value: 0; easing.type: Easing.OutCubic }
            },
            KeyframeGroup {
                target: subtitle; property: "tracking"
                Keyframe { frame: 0; value: 8 }
                Keyframe { frame: 78; value: 8 }
                Keyframe { frame: 130; value: 1.5; easing.type: Easing.OutQuart }
            },
            KeyframeGroup {
                target: panel; property: "opacity"
                Keyframe { frame: 0; value: 0 }
                Keyframe { frame: 96; value: 0 }
                Keyframe { frame: 122; value: 1; easing.type: Easing.OutCubic }
            },
            KeyframeGroup {
                target: panel; property: "rise"
                Keyframe { frame: 0; value: 40 }
                Keyframe { frame: 96; value: 40 }
                Keyframe { frame: 126; value: 0; easing.type: Easing.OutCubic }
            },
            KeyframeGroup {
                target: content; property: "opacity"
                Keyframe { frame: 0; value: 1 }
                Keyframe { frame: 280; value: 1 }
                Keyframe { frame: 299; value: 0; easing.type: Easing.InCubic }
            }
        ]
    }
}
