import QtQuick

Item {
    width: 100
    height: 100
    property int durationInFrames: 10
}
