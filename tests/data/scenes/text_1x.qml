// Text and edges for the resolution test; text_2x.qml is the same scene at twice the size.
import QtQuick

Rectangle {
    width: 320; height: 180
    color: "white"
    property int frame: 0
    property int durationInFrames: 4
    Text { x: 12; y: 10; text: "Sharp titles"; font.pixelSize: 34; color: "black" }
    Text { x: 12; y: 60; text: "at any size, frame " + parent.frame; font.pixelSize: 16; color: "#333333" }
    Rectangle { x: 12; y: 100; width: 200; height: 50; radius: 12; rotation: 4; color: "#1d3557" }
}
