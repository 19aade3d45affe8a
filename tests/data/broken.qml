import QtQuick

Item {
    width: 100
    height: 100
    property int frame: 0
    Rectangle {
        width: 10
        color: "red"
    
