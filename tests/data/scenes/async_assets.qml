// Assets that arrive asynchronously: an Image, a Loader whose component holds another
// asynchronous Image, and a font file loaded with FontLoader.
import QtQuick

Rectangle {
    id: root
    width: 640; height: 360
    color: "#2b2d42"
    property int frame: 0
    property real fps: 30
    property int durationInFrames: 24

    FontLoader { id: mono; source: "assets/DejaVuSansMono-Oblique.ttf" }

    Image {
        asynchronous: true
        source: "assets/photo.png"
        x: 10 + root.frame * 2; y: 10
        width: 144; height: 81
    }
    Loader {
        asynchronous: true
        x: 170; y: 10
        sourceComponent: Component {
            Rectangle {
                width: 140; height: 90; color: "#8d99ae"
                Image {
                    asynchronous: true
                    source: "assets/photo.png"
                    anchors.centerIn: parent
                    width: 96; height: 54
                    rotation: root.frame * 5
                }
            }
        }
    }
    Text {
        y: 120; x: 10
        text: "mono " + root.frame
        font.family: mono.name
        font.pixelSize: 36
        color: "#edf2f4"
    }
}
