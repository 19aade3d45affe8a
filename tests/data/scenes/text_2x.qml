// text_1x.qml written at twice its size.
import QtQuick

Rectangle {
    width: 640; height: 360
    color: "white"
    property int frame: 0
    property int durationInFrames: 4
    Text { x: 24; y: 20; text: "Sharp titles"; font.pixelSize: 68; color: "black" }
    Text { x: 24; y: 120; text: "at any size, frame " + parent.frame; font.pixelSize: 32; color: "#333333" }
    Rectangle { x: 24; y: 200; width: 400; height: 100; radius: 24; rotation: 4; color: "#1d3557" }
}
