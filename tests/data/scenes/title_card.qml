// A title card: a blurred photo, a card with a soft drop shadow (layer.effect) and a
// glowing title. The software scene graph draws none of the effects (the card vanishes).
import QtQuick
import QtQuick.Effects

Rectangle {
    id: root
    width: 640; height: 360
    color: "#101820"
    property int frame: 0
    property real fps: 30
    property int durationInFrames: 24

    Image {
        id: photo
        source: "assets/photo.png"
        anchors.fill: parent
        visible: false
    }
    MultiEffect {
        source: photo
        anchors.fill: parent
        blurEnabled: true
        blurMax: 32
        blur: 0.4 + root.frame / 60
    }
    Rectangle {
        id: card
        x: 30 + root.frame * 3; y: 50
        width: 140; height: 80; radius: 14
        color: "#f1faee"
        layer.enabled: true
        layer.effect: MultiEffect {
            shadowEnabled: true
            shadowBlur: 0.8
            shadowHorizontalOffset: 6
            shadowVerticalOffset: 8
            shadowColor: "#c0000000"
        }
    }
    Text {
        id: title
        text: "GLOW"
        color: "white"
        font.pixelSize: 40
        font.bold: true
        x: 180; y: 16 + root.frame
        visible: false
    }
    MultiEffect {
        source: title
        anchors.fill: title
        shadowEnabled: true
        shadowBlur: 1.0
        shadowHorizontalOffset: 0
        shadowVerticalOffset: 0
        shadowColor: "#ffd60a"
        brightness: 0.1
    }
}
