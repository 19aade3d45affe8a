import QtQuick

Item {
    width: 100000
    height: 100000
    property int frame: 0
    property int durationInFrames: 10
}
