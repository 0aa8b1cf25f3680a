//! ktailor: the command-line tool. It only parses arguments, calls the libraries and prints.

fn main() {
    println!("ktailor");
}
